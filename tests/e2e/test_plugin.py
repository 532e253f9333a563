"""A verifier plugin installed as a separate package is served by a running `referee serve`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.processes import Api, referee_env

PLUGIN = Path(__file__).parents[2] / "examples" / "verifier_plugin"


@pytest.fixture(scope="module")
def api_with_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp = tmp_path_factory.mktemp("plugin")
    site = tmp / "site"
    # A real install of the example package (its entry point included) into a directory
    # that only the service process sees; no network: setuptools is in the environment.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(PLUGIN),
        ],
        check=True,
    )
    env = referee_env(REFEREE_SANDBOX__BACKEND="none", PYTHONPATH=str(site))
    api = Api(env, tmp / "api.log").start()
    try:
        api.wait_healthy()
        yield api
    finally:
        api.stop()


def test_the_plugin_kind_is_judged_by_the_plugin(api_with_plugin: Api) -> None:
    items = [
        {
            "id": "yes",
            "kind": "palindrome",
            "completion": "Thinking...\nA man, a plan, a canal: Panama",
        },
        {"id": "no", "kind": "palindrome", "completion": "not one"},
        {"id": "bad", "kind": "palindrome", "completion": "abba", "min_length": "x"},
        {"id": "math", "kind": "math", "completion": "\\boxed{2}", "gold": "2"},
    ]
    response = httpx.post(f"{api_with_plugin.url}/v1/score", json={"items": items}, timeout=60)
    assert response.status_code == 200, response.text
    verdicts = [(r["id"], r["status"], r["reward"]) for r in response.json()["results"]]
    assert verdicts == [
        ("yes", "correct", 1.0),
        ("no", "incorrect", 0.0),
        ("bad", "invalid_input", 0.0),
        ("math", "correct", 1.0),
    ]


def test_a_kind_no_plugin_serves_is_422_listing_the_installed_ones(api_with_plugin: Api) -> None:
    response = httpx.post(
        f"{api_with_plugin.url}/v1/score",
        json={"items": [{"kind": "haiku", "completion": "x"}]},
        timeout=30,
    )
    assert response.status_code == 422
    assert "palindrome" in response.json()["detail"]
