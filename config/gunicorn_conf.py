"""gunicorn settings for the production /v1 server (sync workers; see docs/scaling.md for why)."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
keepalive = 30
timeout = 30
graceful_timeout = 30
max_requests = 10_000
max_requests_jitter = 1_000
accesslog = "-"
errorlog = "-"
