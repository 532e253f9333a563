"""Prometheus metrics of the API, on a registry of its own (one per app, so tests can build
several apps in one process).

The API sees every request and every result, so it records request latency, items by kind
and status, and the time workers spent judging (``JobResult.elapsed_s``). Queue depth and
worker state live in the queue; they are read from it when ``/metrics`` is scraped, so
workers need no endpoint of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from referee_client.protocol import AnyItem, ItemResult

from referee_service.jobs import Job, JobResult
from referee_service.queue.base import TenantBacklog, WorkerInfo

# Latency buckets from a cached math answer to a long code batch.
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class ServiceMetrics:
    """The API's metrics and how to render them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.request_seconds = Histogram(
            "referee_request_seconds",
            "HTTP request latency by route and status code.",
            ["route", "code"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.items = Counter(
            "referee_items", "Items judged, by kind and status.", ["kind", "status"], registry=r
        )
        self.tenant_items = Counter(
            "referee_tenant_items", "Items accepted, by tenant.", ["tenant"], registry=r
        )
        self.rejections = Counter(
            "referee_rejections", "Requests refused, by reason.", ["reason"], registry=r
        )
        self.judge_seconds = Histogram(
            "referee_verifier_seconds",
            "Time a worker spent judging one job, by kind.",
            ["kind"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.queue_waiting = Gauge(
            "referee_queue_waiting_jobs", "Jobs waiting for a worker.", ["tenant"], registry=r
        )
        self.queue_pending = Gauge(
            "referee_queue_pending_jobs", "Jobs reserved, not yet done.", ["tenant"], registry=r
        )
        self.queue_age = Gauge(
            "referee_queue_oldest_job_age_seconds",
            "Age of the oldest unfinished job.",
            ["tenant"],
            registry=r,
        )
        self.workers = Gauge("referee_workers", "Workers with a live heartbeat.", registry=r)
        self.worker_busy = Gauge(
            "referee_worker_busy_jobs", "Jobs in flight per worker.", ["worker"], registry=r
        )
        self.worker_idle = Gauge(
            "referee_worker_idle_slots", "Free job slots per worker.", ["worker"], registry=r
        )
        self.sandbox = Gauge(
            "referee_sandbox_pool",
            "Sandbox pool counters reported by workers.",
            ["worker", "stat"],
            registry=r,
        )

    def record_results(
        self,
        items: Sequence[AnyItem],
        results: Sequence[ItemResult],
        jobs: Iterable[Job],
        finished: dict[str, JobResult],
    ) -> None:
        for item, result in zip(items, results, strict=True):
            self.items.labels(item.kind, result.status.value).inc()
        for job in jobs:
            done = finished.get(job.job_id)
            if done is not None:
                self.judge_seconds.labels(job.kind).observe(done.elapsed_s)

    def set_backlog(self, backlog: Sequence[TenantBacklog]) -> None:
        for gauge in (self.queue_waiting, self.queue_pending, self.queue_age):
            gauge.clear()
        for b in backlog:
            self.queue_waiting.labels(b.tenant).set(b.waiting)
            self.queue_pending.labels(b.tenant).set(b.pending)
            self.queue_age.labels(b.tenant).set(b.oldest_age_s)

    def set_workers(self, workers: Sequence[WorkerInfo]) -> None:
        for gauge in (self.worker_busy, self.worker_idle, self.sandbox):
            gauge.clear()
        self.workers.set(len(workers))
        for w in workers:
            self.worker_busy.labels(w.name).set(w.busy)
            self.worker_idle.labels(w.name).set(max(0, w.capacity - w.busy))
            for stat, value in w.sandbox_stats.items():
                if isinstance(value, int | float):
                    self.sandbox.labels(w.name, stat).set(value)

    def render(self) -> bytes:
        return generate_latest(self.registry)
