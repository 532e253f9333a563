"""What the client raises. Every exception derives from ``RefereeError``::

    RefereeError
     ├── TransportError     the service could not be reached or did not answer in time
     ├── ServerError        5xx or 429 still failing after every retry (carries status, body)
     └── RequestRejected    4xx: the request is wrong; retrying cannot help (carries detail)

httpx's own exception types never escape the client: they are translated here, chained.
"""

from __future__ import annotations


class RefereeError(Exception):
    """Base of everything the Referee client raises."""


class TransportError(RefereeError):
    """Connecting to, sending to or reading from the service failed."""


class ServerError(RefereeError):
    """The service kept answering 5xx or 429 until the retries ran out."""

    def __init__(self, status_code: int, body: str) -> None:
        super().__init__(f"Referee answered {status_code}: {body[:500]}")
        self.status_code = status_code
        self.body = body


class RequestRejected(RefereeError):
    """The service refused the request (4xx); ``detail`` says which field and why."""

    def __init__(self, status_code: int, detail: object) -> None:
        super().__init__(f"Referee rejected the request ({status_code}): {detail}")
        self.status_code = status_code
        self.detail = detail
