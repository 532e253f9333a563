"""The job queue seam: one interface, two implementations (in-memory and Redis Streams)."""

from referee_service.queue.base import Delivery, JobQueue, QueueError, WorkerInfo
from referee_service.queue.memory import MemoryQueue

__all__ = ["Delivery", "JobQueue", "MemoryQueue", "QueueError", "WorkerInfo"]
