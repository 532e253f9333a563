"""The HTTP surface on the embedded queue: real math grading, a scripted sandbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from referee_sandboxes import RunSpec
from referee_service import Settings, create_app
from referee_verifiers import IsolatedPool

from .conftest import ScriptedBackend, exited, make_judge, serve

ISSUE_EXAMPLE = {
    "items": [
        {
            "id": "m1",
            "kind": "math",
            "completion": "... so the answer is \\boxed{\\frac{1}{2}}",
            "gold": "0.5",
        },
        {
            "id": "c1",
            "kind": "code",
            "language": "python",
            "completion": "```python\na, b = map(int, input().split())\nprint(a + b)\n```",
            "tests": [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "5 7\n", "stdout": "12\n"}],
        },
    ],
    "options": {"timeout_s": 30},
}


def adds(spec: RunSpec) -> object:
    a, b = map(int, spec.stdin.split())
    return exited(stdout=f"{a + b}\n")


@pytest.fixture
async def client(pool: IsolatedPool) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(max_items=5, max_request_bytes=1_000_000, max_completion_chars=10_000)
    judge = make_judge(pool, ScriptedBackend(adds))  # type: ignore[arg-type]
    async for c in serve(create_app(settings, judge=judge)):
        yield c


async def test_scores_a_mixed_batch_in_item_order(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/score", json=ISSUE_EXAMPLE)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["id"], r["status"], r["reward"]) for r in results] == [
        ("m1", "correct", 1.0),
        ("c1", "correct", 1.0),
    ]
    assert response.headers["x-request-id"]


async def test_a_wrong_answer_is_incorrect_and_ids_default_to_the_index(
    client: httpx.AsyncClient,
) -> None:
    items = [
        {"kind": "math", "completion": "\\boxed{2}", "gold": "0.5"},
        {"kind": "math", "completion": "no idea", "gold": "0.5"},
    ]
    results = (await client.post("/v1/score", json={"items": items})).json()["results"]
    assert [(r["id"], r["status"], r["reward"]) for r in results] == [
        ("0", "incorrect", 0.0),
        ("1", "no_answer", 0.0),
    ]


@pytest.mark.parametrize(
    "body, status, needle",
    [
        ("{not json", 422, "JSON"),
        (json.dumps({"items": [{"kind": "poetry", "completion": "x"}]}), 422, "kind"),
        (json.dumps({"items": [{"kind": "code", "completion": "x"}]}), 422, "tests"),
        (json.dumps({"items": []}), 422, "items"),
        (
            json.dumps({"items": [{"kind": "math", "completion": "1", "gold": "1"}] * 6}),
            413,
            "REFEREE_MAX_ITEMS",
        ),
        (
            json.dumps({"items": [{"kind": "math", "completion": "1" * 20_000, "gold": "1"}]}),
            413,
            "items[0].completion",
        ),
        (
            json.dumps({"items": [{"kind": "math", "completion": "1" * 2_000_000, "gold": "1"}]}),
            413,
            "REFEREE_MAX_REQUEST_BYTES",
        ),
        (
            json.dumps(
                {
                    "items": [{"kind": "math", "completion": "1", "gold": "1"}],
                    "options": {"timeout_s": 10_000},
                }
            ),
            422,
            "options.timeout_s",
        ),
    ],
    ids=[
        "malformed-json",
        "unknown-kind",
        "code-without-tests",
        "empty-batch",
        "too-many-items",
        "completion-too-long",
        "body-too-large",
        "deadline-too-long",
    ],
)
async def test_bad_input_is_a_4xx_naming_the_problem_and_the_service_keeps_serving(
    client: httpx.AsyncClient, body: str, status: int, needle: str
) -> None:
    response = await client.post(
        "/v1/score", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert needle in response.text
    after = await client.post(
        "/v1/score", json={"items": [{"kind": "math", "completion": "1", "gold": "1"}]}
    )
    assert after.json()["results"][0]["status"] == "correct"


@pytest.mark.parametrize("path", ["/v1/score", "/openrlhf/reward", "/slime/reward"])
async def test_a_body_sent_as_a_form_is_a_415_naming_the_content_type(
    client: httpx.AsyncClient, path: str
) -> None:
    body = json.dumps({"items": [{"kind": "math", "completion": "1", "gold": "1"}]})
    form = await client.post(
        path, content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert form.status_code == 415
    assert "content-type: application/json" in form.json()["detail"]

    # No content type at all is read as JSON (requests' data=json.dumps(...) sends none).
    plain = await client.post(path, content=body)
    assert plain.status_code != 415, plain.text
    assert plain.status_code == 200 or "loc" in plain.text, plain.text


async def test_health_ready_and_docs(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/docs")).status_code == 200
    assert "/v1/score" in (await client.get("/openapi.json")).json()["paths"]


async def test_readyz_says_why_when_no_sandbox_can_run(pool: IsolatedPool) -> None:
    settings = Settings(sandbox={"backend": "none"})
    judge = make_judge(pool, None)
    async for c in serve(create_app(settings, judge=judge)):
        response = await c.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["queue"] == "ok" and "sandbox" in body


async def test_validation_errors_do_not_echo_the_input(client: httpx.AsyncClient) -> None:
    secret = "s" * 5000
    response = await client.post("/v1/score", json={"items": [{"completion": secret}]})
    assert response.status_code == 422
    assert secret not in response.text
    assert response.json()["detail"][0]["loc"] == ["body", "items", 0]


def _raw(items: str) -> str:
    """A body with the items written as raw JSON (literals json.dumps cannot write)."""
    return '{"items": [' + items + "]}"


DEEP = "[" * 300 + "]" * 300


def _call(test: str) -> str:
    """A function-call code item whose one test is ``test``, raw JSON."""
    return (
        '{"kind": "code", "completion": "def f(): return 1", "fn_name": "f", "tests": ['
        + test
        + "]}"
    )


BIG = "1" * 20_000


@pytest.mark.parametrize(
    "body, status, needle",
    [
        (
            _raw(
                '{"kind": "composite", "completion": "\\\\boxed{2}", "components": '
                '[{"weight": Infinity, "item": {"kind": "math", "gold": "3"}}]}'
            ),
            422,
            '"components",0,"weight"],"msg":"Input should be a finite number"',
        ),
        (
            _raw(
                '{"kind": "code", "completion": "print(1)", "tests": [{"stdout": "1"}], '
                '"compare": {"mode": "float", "abs_tol": Infinity}}'
            ),
            422,
            '"compare","abs_tol"],"msg":"Input should be a finite number"',
        ),
        (
            _raw(_call('{"args": [], "expected": 1e999}')),
            422,
            '"expected","float"],"msg":"Input should be a finite number"',
        ),
        (
            _raw(_call('{"args": [NaN], "expected": 1}')),
            422,
            '"args",0,"float"],"msg":"Input should be a finite number"',
        ),
        (
            _raw(_call('{"args": [], "expected": ' + DEEP + "}")),
            422,
            '"call",0,"expected"],"msg":"Value error, nested deeper than 32 levels',
        ),
        (
            _raw(
                '{"kind": "ifeval", "completion": "hi", "instruction_id_list": '
                '["punctuation:no_comma"], "kwargs": [{"x": ' + DEEP + "}]}"
            ),
            422,
            '"ifeval","kwargs"],"msg":"Value error, nested deeper than 32 levels',
        ),
        (
            _raw('{"kind": "math", "completion": "\\\\boxed{\\ud800}", "gold": "2"}'),
            422,
            '"math","completion"],"msg":"Input should be a valid string, unable to parse raw',
        ),
        (
            _raw(
                '{"kind": "code", "completion": "print(1)", "tests": [{"stdout": "1"}], '
                '"test_code": "assert 1", "prelude": "x = \'\\udfff\'"}'
            ),
            422,
            '"code","prelude"],"msg":"Input should be a valid string',
        ),
        (
            json.dumps(
                {
                    "items": [
                        {
                            "kind": "composite",
                            "completion": "x",
                            "components": [{"weight": 1, "item": {"kind": "nope"}}],
                        }
                    ]
                }
            ),
            422,
            "items[0].components[0].item.kind: no verifier for kind 'nope'",
        ),
        (
            json.dumps(
                {
                    "items": [
                        {
                            "kind": "composite",
                            "completion": "print(1)",
                            "components": [
                                {"weight": 1, "item": {"kind": "math", "gold": "1"}},
                                {"weight": 1, "item": {"kind": "code", "test_code": BIG}},
                            ],
                        }
                    ]
                }
            ),
            413,
            "items[0].components[1].item.test_code: 20000 over the limit of 10000",
        ),
        (
            json.dumps({"items": [{"kind": "math", "completion": "1", "gold": BIG}]}),
            413,
            "items[0].gold: 20000 over the limit of 10000 (REFEREE_MAX_COMPLETION_CHARS)",
        ),
        (
            json.dumps(
                {
                    "items": [
                        {"kind": "code", "completion": "x", "test_code": "assert 1", "prelude": BIG}
                    ]
                }
            ),
            413,
            "items[0].prelude: 20000 over the limit of 10000",
        ),
    ],
    ids=[
        "infinite-weight",
        "infinite-abs_tol",
        "overflowing-expected",
        "nan-arg",
        "deep-expected",
        "deep-ifeval-kwargs",
        "lone-surrogate-completion",
        "lone-surrogate-prelude",
        "composite-unknown-inner-kind",
        "composite-inner-test_code-too-long",
        "math-gold-too-long",
        "prelude-too-long",
    ],
)
async def test_values_no_judge_can_use_are_a_4xx_naming_the_field(
    client: httpx.AsyncClient, body: str, status: int, needle: str
) -> None:
    response = await client.post(
        "/v1/score", content=body.encode("utf-8"), headers={"content-type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert needle in response.text
    after = await client.post(
        "/v1/score", json={"items": [{"kind": "math", "completion": "1", "gold": "1"}]}
    )
    assert after.json()["results"][0]["status"] == "correct"


async def test_a_deep_value_with_an_idempotency_key_is_a_422_not_a_500(
    client: httpx.AsyncClient,
) -> None:
    body = _raw(_call('{"args": [], "expected": ' + DEEP + "}"))
    response = await client.post(
        "/v1/score",
        content=body,
        headers={"content-type": "application/json", "Idempotency-Key": "deep-1"},
    )
    assert response.status_code == 422, response.text
    assert "MAX_JSON_DEPTH" in response.text


async def test_a_chunked_body_over_the_limit_is_a_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"items": [{"kind": "math", "completion": "'
        for _ in range(20):
            yield b"1" * 100_000
        yield b'", "gold": "1"}]}'

    response = await client.post(
        "/v1/score", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413, response.text
    assert "REFEREE_MAX_REQUEST_BYTES" in response.text


async def test_a_chunked_body_under_the_limit_is_judged(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"items": [{"kind": "math", '
        yield b'"completion": "\\\\boxed{1}", "gold": "1"}]}'

    response = await client.post(
        "/v1/score", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "correct"


async def test_an_empty_idempotency_key_is_refused_naming_the_header(
    client: httpx.AsyncClient,
) -> None:
    body = {"items": [{"kind": "math", "completion": "1", "gold": "1"}]}
    response = await client.post("/v1/score", json=body, headers={"Idempotency-Key": ""})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["header", "idempotency-key"]
    keyed = await client.post("/v1/score", json=body, headers={"Idempotency-Key": "k-1"})
    assert keyed.status_code == 200, keyed.text
