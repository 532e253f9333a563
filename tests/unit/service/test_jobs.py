from referee_client.protocol import ItemResult, ScoreRequest, Status
from referee_service.jobs import IndexedResult, JobResult, assemble, plan_jobs


def _request(items: list[dict[str, object]]) -> ScoreRequest:
    return ScoreRequest.model_validate({"items": items})


def _math(gold: str, completion: str = "x") -> dict[str, object]:
    return {"kind": "math", "completion": completion, "gold": gold}


CODE = {"kind": "code", "completion": "print(1)", "tests": [{"stdout": "1"}]}


def test_math_items_sharing_a_gold_travel_together_and_code_items_alone() -> None:
    request = _request([_math("1"), CODE, _math("2"), _math("1"), CODE])
    jobs = plan_jobs(request, "r", 0, math_group_size=64)
    shapes = sorted((j.kind, tuple(e.index for e in j.items)) for j in jobs)
    assert shapes == [("code", (1,)), ("code", (4,)), ("math", (0, 3)), ("math", (2,))]
    assert len({j.job_id for j in jobs}) == len(jobs)


def test_math_groups_are_capped() -> None:
    request = _request([_math("1") for _ in range(10)])
    jobs = plan_jobs(request, "r", 0, math_group_size=4)
    assert [len(j.items) for j in jobs] == [4, 4, 2]


def test_assemble_keeps_item_order_and_times_out_missing_jobs() -> None:
    request = _request([_math("1"), CODE, {**_math("2"), "id": "named"}])
    jobs = plan_jobs(request, "r", 0, math_group_size=64)
    math_1 = next(j for j in jobs if j.kind == "math" and j.items[0].index == 0)
    done = JobResult(
        request_id="r",
        job_id=math_1.job_id,
        results=[IndexedResult(index=0, result=ItemResult(id="0", reward=1.0, status="correct"))],
    )
    results = assemble(request, jobs, {math_1.job_id: done})
    assert [r.id for r in results] == ["0", "1", "named"]
    assert [r.status for r in results] == [Status.correct, Status.timeout, Status.timeout]
