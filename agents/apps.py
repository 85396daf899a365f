from django.apps import AppConfig


class AgentsConfig(AppConfig):
    """The MCP server at /mcp: tools, resources and prompts for AI agents (see docs/mcp.md)."""

    name = "agents"
    verbose_name = "Agents (MCP)"
