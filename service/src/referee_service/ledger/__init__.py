"""The request ledger seam: per-tenant work in flight and idempotency records."""

from referee_service.ledger.base import Claim, Ledger
from referee_service.ledger.memory import MemoryLedger

__all__ = ["Claim", "Ledger", "MemoryLedger"]
