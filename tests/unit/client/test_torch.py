"""The torch extra: reward tensors, and submit() returning before the service answers."""

from __future__ import annotations

import json
import math
import threading

import httpx
import pytest
import torch
from referee_client.torch import TorchReferee

MATH_RIGHT = {"kind": "math", "completion": "\\boxed{4}", "gold": "4"}
MATH_WRONG = {"kind": "math", "completion": "\\boxed{5}", "gold": "4"}


def test_rewards_come_back_as_a_tensor_with_nan_where_nothing_applies(live_url: str) -> None:
    with TorchReferee(live_url, dtype=torch.float64) as referee:
        rewards = referee.score([MATH_RIGHT, None, MATH_WRONG])
    assert rewards.dtype == torch.float64 and rewards.device.type == "cpu"
    assert rewards[0].item() == 1.0 and math.isnan(rewards[1].item()) and rewards[2].item() == 0.0


def test_submit_returns_before_the_service_answers_so_generation_can_overlap() -> None:
    # The service's answer is held back until the test releases it: a submit that blocked
    # on the network would hang here instead of returning.
    release = threading.Event()

    def held(request: httpx.Request) -> httpx.Response:
        assert release.wait(timeout=10)
        n = len(json.loads(request.content)["items"])
        results = [{"id": str(i), "reward": 0.5, "status": "incorrect"} for i in range(n)]
        return httpx.Response(200, json={"results": results})

    with TorchReferee("http://referee", transport=httpx.MockTransport(held)) as referee:
        first = referee.submit([MATH_RIGHT, MATH_RIGHT])
        second = referee.submit([MATH_WRONG])
        assert not first.done() and not second.done()
        with pytest.raises(TimeoutError):
            first.result(timeout_s=0.05)
        release.set()
        assert first.result(timeout_s=10).tolist() == [0.5, 0.5]
        assert second.result(timeout_s=10).tolist() == [0.5]
        assert [r.status for r in second.results() if r] == ["incorrect"]


def test_bad_items_fail_at_submit_not_at_result(live_url: str) -> None:
    with TorchReferee(live_url) as referee, pytest.raises(ValueError, match="items\\[0\\]"):
        referee.submit([{"kind": "math", "completion": "x"}])
