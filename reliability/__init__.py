"""`make reliability`: the production server under a bounded loopback load, with faults injected.

Run before a release (not in CI: it restarts PostgreSQL and Redis on this machine). See
docs/operations.md for what it does and how to read its summary table.
"""
