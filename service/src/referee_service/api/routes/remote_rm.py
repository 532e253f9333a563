"""Remote reward-model protocols of RL trainers, answered natively.

``POST /openrlhf/reward``: OpenRLHF's remote reward model (``--reward.remote_url``, formerly
``--remote_rm_url``, pointing at this route)::

    {"query": [prompt + response, ...], "prompts": [prompt, ...], "labels": [label, ...]}
    -> {"rewards": [r, ...], "scores": [r, ...], "extra_logs": {"correct": [0|1, ...], ...}}

Current OpenRLHF sends one sample per call, older versions a whole batch: both are the
same shape (lists), and a bare string in place of a one-element list is accepted too.
The response is the prompt stripped from the front of the query (OpenRLHF decodes the
whole sequence, so the query may carry a chat template and special tokens).

``POST /slime/reward``: slime's ``remote_rm`` (``--rm-type remote_rm --rm-url`` this
route), one sample per call::

    {"prompt": ..., "response": ..., "label": ...}
    -> {"reward": r, "status": "...", "error": "..."}

slime reads the reward with ``--reward-key reward``.

Labels follow ``referee_client.labels``: a gold answer string (math), or JSON tests
(``tests`` / ``test_code`` / ``inputs`` + ``outputs`` (+ ``fn_name``)) for code. A label that
cannot be judged rewards 0 with status ``invalid_input``; it never fails the batch: one that
cannot be read, or whose item ``/v1/score`` would refuse (a kind no verifier judges, a text
over REFEREE_MAX_COMPLETION_CHARS), is that sample's ``invalid_input``, with the reason.

Both routes judge through ``judge_request``, ``POST /v1/score``'s own path, so the tenant
(``Authorization: Bearer``), limits, the queue and the deadline behave exactly as there.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from referee_client.labels import item_from_label
from referee_client.protocol import AnyItem, ItemResult, ScoreOptions, ScoreRequest, Status

from referee_service.api.deps import RuntimeDep, TenantDep, require_json
from referee_service.api.routes import score as score_route
from referee_service.tenants import Tenant

log = logging.getLogger(__name__)

# A body without a content type is read as JSON (``requests.post(url, data=json.dumps(...))``
# sends none); any other content type is a 415 that names the fix.
router = APIRouter(
    tags=["trainer protocols"], dependencies=[Depends(require_json)], strict_content_type=False
)

# OpenRLHF logs the mean of each ``extra_logs`` column; the columns are the same on every
# call (a varying key set would break its per-key aggregation), each 1.0 or 0.0 per sample.
_JUDGED_WRONG = {Status.incorrect, Status.no_answer}


class OpenRLHFRequest(BaseModel):
    """OpenRLHF's remote reward request. Unknown keys (``metas``, ...) are ignored."""

    model_config = ConfigDict(extra="ignore")

    query: list[str] = Field(min_length=1)
    prompts: list[str] | None = None
    labels: list[Any] | None = None

    @field_validator("query", "prompts", "labels", mode="before")
    @classmethod
    def _one_sample_as_list(cls, value: Any) -> Any:
        # One sample may come as a bare value instead of a one-element list.
        return value if value is None or isinstance(value, list) else [value]

    @model_validator(mode="after")
    def _aligned(self) -> OpenRLHFRequest:
        for name in ("prompts", "labels"):
            values = getattr(self, name)
            if values is not None and len(values) != len(self.query):
                raise ValueError(f"`{name}` needs one entry per `query` entry")
        return self


class OpenRLHFResponse(BaseModel):
    rewards: list[float]
    scores: list[float]
    extra_logs: dict[str, list[float]]


class SlimeRequest(BaseModel):
    """slime's ``remote_rm`` payload for one sample. Unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    prompt: Any = None
    response: str
    label: Any = None


class SlimeResponse(BaseModel):
    reward: float
    status: Status
    error: str = ""


def response_text(query: str, prompt: str | None) -> str:
    """The response part of an OpenRLHF query (prompt + response)."""
    if prompt and query.startswith(prompt):
        return query[len(prompt) :]
    # A prompt that is not a prefix (re-tokenized differently): judge the whole query.
    # The final answer is at the end, so extraction still finds it.
    return query


def _sample_item(completion: str, label: Any, runtime: RuntimeDep) -> AnyItem | str:
    """The item judging one sample, or why it cannot be judged (its ``invalid_input``)."""
    item = item_from_label(completion, label)
    if isinstance(item, str):
        return item
    # What ``/v1/score`` would refuse for the whole request refuses only this sample here.
    error = score_route.item_error(item, runtime.settings)
    return item if error is None else str(error.detail)


async def judge(
    completions: Sequence[str], labels: Sequence[Any], runtime: RuntimeDep, tenant: Tenant
) -> list[ItemResult]:
    """One result per sample: unreadable labels locally, the rest through ``/v1/score``."""
    items: list[AnyItem | str] = [
        _sample_item(c, label, runtime) for c, label in zip(completions, labels, strict=True)
    ]
    judged = [item for item in items if not isinstance(item, str)]
    results: list[ItemResult] = []
    if judged:
        request = ScoreRequest(items=judged, options=ScoreOptions())
        results = (await score_route.judge_request(request, runtime, tenant))[0].results
    scored = iter(results)
    return [
        ItemResult(id=str(i), reward=0.0, status=Status.invalid_input, details={"error": item})
        if isinstance(item, str)
        else next(scored)
        for i, item in enumerate(items)
    ]


def _check_size(count: int, runtime: RuntimeDep) -> None:
    if count > runtime.settings.max_items:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            detail=f"query: {count} over the limit of {runtime.settings.max_items} "
            "(REFEREE_MAX_ITEMS)",
        )


@router.post("/openrlhf/reward", response_model=OpenRLHFResponse)
async def openrlhf_reward(
    body: OpenRLHFRequest, runtime: RuntimeDep, tenant: TenantDep
) -> OpenRLHFResponse:
    """OpenRLHF's remote reward model protocol: one reward per query, in order."""
    _check_size(len(body.query), runtime)
    prompts: Sequence[str | None] = body.prompts or [None] * len(body.query)
    labels = body.labels or [None] * len(body.query)
    completions = [response_text(q, p) for q, p in zip(body.query, prompts, strict=True)]
    results = await judge(completions, labels, runtime, tenant)
    rewards = [r.reward for r in results]

    def share(test: Any) -> list[float]:
        return [1.0 if test(r.status) else 0.0 for r in results]

    return OpenRLHFResponse(
        rewards=rewards,
        scores=rewards,
        extra_logs={
            "correct": share(lambda s: s == Status.correct),
            "no_answer": share(lambda s: s == Status.no_answer),
            # Anything that is not a plain verdict on the answer: limits, sandbox, bad labels.
            "not_judged": share(lambda s: s != Status.correct and s not in _JUDGED_WRONG),
        },
    )


@router.post("/slime/reward", response_model=SlimeResponse)
async def slime_reward(body: SlimeRequest, runtime: RuntimeDep, tenant: TenantDep) -> SlimeResponse:
    """slime's ``remote_rm`` protocol: one sample, answered with ``reward`` (``--reward-key``)."""
    (result,) = await judge([body.response], [body.label], runtime, tenant)
    return SlimeResponse(
        reward=result.reward, status=result.status, error=str(result.details.get("error", ""))
    )
