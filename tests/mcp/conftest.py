from tests.mcp.live import server_url

__all__ = ["server_url"]
