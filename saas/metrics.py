"""Prometheus metrics: requests, latencies, quotes by tenant, error responses by status.

Each app gets its own registry so several apps in one process (tests, benchmarks) never share or
double-register collectors. Route templates, not raw paths, label requests, so ids in URLs cannot
explode the label space.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("saas_http_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("saas_http_request_seconds", "HTTP request latency", ["route"],
                                 registry=self.registry,
                                 buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5))
        self.quotes = Counter("saas_quotes_total", "Quotes priced", ["tenant", "outcome"], registry=self.registry)
        self.errors = Counter("saas_errors_total", "Error responses by status", ["status"], registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
