"""A dataset's label (ground truth) column to a Referee item: one convention for every trainer.

OpenRLHF (``labels``), slime (``label``) and veRL (``ground_truth``) each hand the reward
function one opaque value per sample. ``item_from_label`` reads it the same way everywhere:

- a plain string: a math gold answer (``"\\frac{1}{2}"``, ``"42"``, ``"{1, 2}"``);
- a dict, or a string holding a JSON object, describing tests (a code item):
  - ``{"tests": [{"stdin", "stdout"}, ...]}`` and/or ``{"test_code": "assert ...",
    "entry_point"?, "prelude"?}``, optionally with ``language``, ``fn_name`` (then ``tests`` are
    ``{"args", "kwargs"?, "expected"}`` calls), ``compare``, ``checker``, ``limits``;
  - veRL/APPS style ``{"inputs": [...], "outputs": [...]}``: stdin/stdout pairs, or with
    ``"fn_name"`` function calls, each input the argument list and each output the
    expected return value, taken as given;
- a dict with ``"kind"``: any Referee item without its ``completion`` (the escape hatch for
  ``format``, ``match``, ``ifeval``, ``composite``, plugin kinds);
- a dict with only ``"gold"`` (or ``"answer"``): math.

What cannot be read as an item comes back as a string saying why, so the caller can
report ``invalid_input`` for that sample instead of failing the batch: a label of the wrong
shape, JSON nested too deeply to decode, a value the protocol refuses (a lone surrogate, a
non-finite number, ...).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from referee_client.protocol import AnyItem, Item

_ITEM: TypeAdapter[AnyItem] = TypeAdapter(Item)
# Keys of a code label that pass straight through to the ``CodeItem``.
_CODE_FIELDS = ("language", "entry_point", "prelude", "compare", "checker", "limits")


def parse_label(label: Any) -> Any:
    """A label string that holds a JSON object, decoded; anything else unchanged.

    A math gold may merely start with a brace (a set, ``{1, 2}``): it does not decode to an
    object, so it stays a string.
    """
    if isinstance(label, str) and label.lstrip().startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):
            decoded = json.loads(label)
            if isinstance(decoded, dict):
                return decoded
    return label


def _code_spec(truth: Mapping[str, Any]) -> dict[str, Any] | str:
    spec: dict[str, Any] = {k: truth[k] for k in _CODE_FIELDS if truth.get(k) is not None}
    fn_name = truth.get("fn_name")
    if "inputs" in truth or "outputs" in truth:
        inputs, outputs = truth.get("inputs") or [], truth.get("outputs") or []
        if (
            not isinstance(inputs, list)
            or not isinstance(outputs, list)
            or not inputs
            or len(inputs) != len(outputs)
        ):
            return "code label needs `inputs` and `outputs` lists of the same, non-zero length"
        if fn_name:
            spec["tests"] = [
                {"args": i if isinstance(i, list) else [i], "expected": o}
                for i, o in zip(inputs, outputs, strict=True)
            ]
        else:
            spec["tests"] = [
                {"stdin": str(i), "stdout": str(o)} for i, o in zip(inputs, outputs, strict=True)
            ]
    else:
        tests = truth.get("tests")
        if isinstance(tests, str):
            tests = json.loads(tests)
        if tests:
            spec["tests"] = tests
        if truth.get("test_code"):
            spec["test_code"] = truth["test_code"]
    if fn_name:
        spec["fn_name"] = fn_name
    return {"kind": "code", **spec}


def _item_spec(label: Any) -> dict[str, Any] | str:
    truth = parse_label(label)
    if truth is None or (isinstance(truth, str) and not truth.strip()):
        return "no label: nothing to judge the completion against"
    if not isinstance(truth, Mapping):
        return {"kind": "math", "gold": str(truth)}
    if "kind" in truth:
        return dict(truth)
    if any(k in truth for k in ("tests", "test_code", "inputs", "outputs")):
        try:
            return _code_spec(truth)
        except json.JSONDecodeError as exc:
            return f"code label `tests` is not JSON: {exc}"
    if truth.get("gold") or truth.get("answer"):
        return {"kind": "math", "gold": str(truth.get("gold") or truth.get("answer"))}
    return "label object has no `tests`, `test_code`, `inputs`/`outputs`, `gold` or `kind`"


def item_from_label(completion: str, label: Any) -> AnyItem | str:
    """The item that judges ``completion`` against ``label``, or why there is none.

    Never raises for a bad label (or completion): the reason comes back instead.
    """
    try:
        spec = _item_spec(label)
        if isinstance(spec, str):
            return spec
        return _ITEM.validate_python({**spec, "completion": completion})
    except ValidationError as exc:
        # Pydantic's message names each bad field; the input itself is not echoed back.
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        return f"label is not a valid item: {errors}"
    except RecursionError:
        return "label is nested too deeply to read"
    except (TypeError, ValueError) as exc:
        # A shape no rule above foresaw (e.g. an integer of more digits than Python reads).
        reason = f"label cannot be read: {type(exc).__name__}: {exc}"[:300]
        return reason.encode("utf-8", "replace").decode()
