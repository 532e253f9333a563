"""Who is calling: API keys (bearer tokens) mapped to tenants, loaded from a JSON file.

The file maps each key to its tenant and, optionally, the tenant's in-flight limit::

    {"sk-team-a-...": {"tenant": "team-a", "max_in_flight": 5000},
     "sk-team-b-...": {"tenant": "team-b"}}

Several keys may name the same tenant (key rotation). With no file the service is open:
every caller is the one tenant ``default``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from referee_service.jobs import DEFAULT_TENANT


class _KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Tenant names become Redis key parts and metric labels: keep them plain.
    tenant: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    max_in_flight: int | None = Field(default=None, ge=1)


_KEYS_FILE = TypeAdapter(dict[str, _KeyEntry])


@dataclass(frozen=True)
class Tenant:
    name: str
    max_in_flight: int


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class TenantDirectory:
    """Finds the tenant of a bearer token. ``open`` when no keys are configured."""

    def __init__(self, keys: dict[str, Tenant] | None, default_max_in_flight: int) -> None:
        # Looked up by digest: the raw keys are not kept in memory longer than loading.
        self._by_digest = {_digest(k): t for k, t in (keys or {}).items()}
        self.open = keys is None
        self._anyone = Tenant(DEFAULT_TENANT, default_max_in_flight)

    @classmethod
    def from_file(cls, path: Path | None, default_max_in_flight: int) -> TenantDirectory:
        """Load the keys file (``ValueError`` naming the problem), or an open directory."""
        if path is None:
            return cls(None, default_max_in_flight)
        try:
            entries = _KEYS_FILE.validate_json(path.read_bytes())
        except ValueError as exc:
            raise ValueError(f"API keys file {path}: {exc}") from exc
        if not entries:
            raise ValueError(f"API keys file {path} has no keys")
        keys = {
            key: Tenant(e.tenant, e.max_in_flight or default_max_in_flight)
            for key, e in entries.items()
        }
        return cls(keys, default_max_in_flight)

    def tenant_for(self, bearer: str | None) -> Tenant | None:
        """The caller's tenant, or None for a missing or unknown key (when not open)."""
        if self.open:
            return self._anyone
        if not bearer:
            return None
        wanted = _digest(bearer)
        for digest, tenant in self._by_digest.items():
            if hmac.compare_digest(digest, wanted):
                return tenant
        return None

    @property
    def tenants(self) -> list[str]:
        return sorted({t.name for t in self._by_digest.values()} or {self._anyone.name})
