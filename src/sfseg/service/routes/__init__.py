"""Routers of the service: health and metrics, segments, jobs, the error log."""
