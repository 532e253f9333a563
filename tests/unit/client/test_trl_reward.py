"""The TRL reward head, called the way TRL 1.16 calls it, against the real service."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from referee_client.trl import RefereeReward, completion_text
from referee_service import Settings, create_app


@pytest.fixture
async def reward() -> AsyncIterator[RefereeReward]:
    app = create_app(Settings(sandbox={"backend": "none"}))
    async with LifespanManager(app) as manager:
        head = RefereeReward(
            "http://referee", name="math_reward", transport=httpx.ASGITransport(app=manager.app)
        )
        yield head
        await head.aclose()


async def test_called_like_trl_it_returns_one_reward_per_completion(
    reward: RefereeReward,
) -> None:
    metrics: list[tuple[str, float]] = []
    extras: dict[str, list[Any]] = {}
    rewards = await reward(
        prompts=["p1", "p1", "p2", "p3"],
        completions=["so \\boxed{4}", "\\boxed{5}", "no gold here", "print(1)"],
        completion_ids=[[1], [2], [3], [4]],
        answer=["4", "4", None, None],
        tests=[None, None, None, json.dumps([{"stdin": "", "stdout": "1"}])],
        trainer_state=None,
        log_extra=lambda name, values: extras.__setitem__(name, values),
        log_metric=lambda name, value: metrics.append((name, value)),
    )
    assert rewards == [1.0, 0.0, None, 0.0]
    assert extras == {"math_reward_status": ["correct", "incorrect", None, "sandbox_unavailable"]}
    assert ("math_reward/correct", 0.25) in metrics
    assert reward.__name__ == "math_reward"


async def test_conversational_completions_use_the_last_assistant_message(
    reward: RefereeReward,
) -> None:
    conversation = [{"role": "assistant", "content": "The answer is \\boxed{7}."}]
    assert completion_text(conversation) == "The answer is \\boxed{7}."
    rewards = await reward(prompts=[[]], completions=[conversation], gold=["7"])
    assert rewards == [1.0]
