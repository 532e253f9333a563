"""`referee score in.jsonl -o out.jsonl`: offline scoring against a live service, resumable."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from referee_client import RefereeClient, RetryPolicy, TransportError
from referee_service.cli import main
from referee_service.offline import done_ids, score_file

NO_RETRY = RetryPolicy(attempts=1)


def write_items(path: Path, n: int) -> None:
    # Even lines carry no id (known by line number); odd lines name themselves.
    lines = []
    for i in range(n):
        item: dict[str, object] = {"kind": "math", "completion": f"\\boxed{{{i % 3}}}", "gold": "0"}
        if i % 2:
            item["id"] = f"q{i}"
        lines.append(json.dumps(item))
    path.write_text("\n".join(lines) + "\n")


def read_results(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


class FailAfter(httpx.HTTPTransport):
    """A real HTTP transport that drops the connection after ``n`` requests: a crash."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.left = n

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.left == 0:
            raise httpx.ConnectError("the network went away", request=request)
        self.left -= 1
        return super().handle_request(request)


def test_cli_scores_every_line_in_order_with_ids(live_url: str, tmp_path: Path) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_items(source, 5)
    runner = CliRunner()
    run = runner.invoke(main, ["score", str(source), "-o", str(out), "--url", live_url, "--quiet"])
    assert run.exit_code == 0, run.output
    results = read_results(out)
    assert [r["id"] for r in results] == ["0", "q1", "2", "q3", "4"]
    statuses = [r["status"] for r in results]
    assert statuses == ["correct", "incorrect", "incorrect", "correct", "incorrect"]
    assert "5 scored, 0 already done" in run.output


def test_an_interrupted_run_resumes_without_redoing_or_losing_items(
    live_url: str, tmp_path: Path
) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_items(source, 10)
    with (
        RefereeClient(live_url, transport=FailAfter(2), retry=NO_RETRY) as dying,
        pytest.raises(TransportError),
    ):
        score_file(source, out, dying, batch_size=3, progress=False)
    assert len(read_results(out)) == 6  # two batches made it to disk before the crash
    with out.open("a") as f:
        f.write('{"id": "6", "rew')  # and the process died in the middle of a write
    with RefereeClient(live_url) as client:
        summary = score_file(source, out, client, batch_size=3, progress=False)
    assert (summary.total, summary.skipped, summary.written) == (10, 6, 4)
    ids = [str(r["id"]) for r in read_results(out)]
    assert sorted(ids) == sorted(["0", "q1", "2", "q3", "4", "q5", "6", "q7", "8", "q9"])
    assert len(ids) == len(set(ids))


def test_finished_items_are_never_rescored(live_url: str, tmp_path: Path) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_items(source, 2)
    # A result that the service would not give: a rerun that rescored would overwrite it.
    out.write_text(json.dumps({"id": "0", "reward": 0.25, "status": "timeout"}) + "\n")
    with RefereeClient(live_url) as client:
        summary = score_file(source, out, client, progress=False)
    assert (summary.skipped, summary.written) == (1, 1)
    assert [(r["id"], r["reward"]) for r in read_results(out)] == [("0", 0.25), ("q1", 0.0)]
    assert done_ids(out) == {"0", "q1"}


def test_a_bad_line_gets_its_own_invalid_input_result(live_url: str, tmp_path: Path) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(
        '{"kind": "math", "completion": "\\\\boxed{1}", "gold": "1"}\n'
        "not json\n"
        '{"kind": "math", "completion": "no gold"}\n'
    )
    with RefereeClient(live_url) as client:
        score_file(source, out, client, progress=False)
    results = read_results(out)
    assert [(r["id"], r["status"]) for r in results] == [
        ("0", "correct"),
        ("1", "invalid_input"),
        ("2", "invalid_input"),
    ]
    assert "gold" in str(results[2]["details"])


def test_duplicate_ids_are_refused_before_anything_is_sent(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    item = {"id": "same", "kind": "math", "completion": "1", "gold": "1"}
    source.write_text(json.dumps(item) + "\n" + json.dumps(item) + "\n")
    run = CliRunner().invoke(
        main, ["score", str(source), "-o", str(tmp_path / "o.jsonl"), "--url", "http://127.0.0.1:9"]
    )
    assert run.exit_code != 0 and "duplicate id 'same'" in run.output
