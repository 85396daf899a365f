"""Flows: the customer documents (reports, certificates, notices) a completed job produces.

`documents` renders them (Django templates → HTML → PDF with WeasyPrint), `services` holds the
writes (start a group on completion, regenerate, resend, templates), `worker` the background
pipeline (render, send, retry with backoff, recover from dead workers), `tasks` the queue entry
points, and `selectors` the reads (metrics).
"""
