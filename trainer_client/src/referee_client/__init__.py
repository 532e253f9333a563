"""Referee client: score completions against a Referee service from a training loop.

``referee_client.protocol`` is the v1 wire schema; ``RefereeClient`` and
``AsyncRefereeClient`` call the service with retries, chunking and idempotency keys.
"""

from referee_client import protocol
from referee_client._client import AsyncRefereeClient, RefereeClient, RetryPolicy
from referee_client.errors import RefereeError, RequestRejected, ServerError, TransportError

__all__ = [
    "AsyncRefereeClient",
    "RefereeClient",
    "RefereeError",
    "RequestRejected",
    "RetryPolicy",
    "ServerError",
    "TransportError",
    "protocol",
]
