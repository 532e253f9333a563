"""The Python test harness: runs inside the sandbox as the program, stdlib only, Python 3.11+.

Why a harness at all: assert tests (HumanEval, MBPP) and function-call tests need the
program's functions called and their results checked. Doing that in the program's own
process lets the program forge the verdict: exit 0 before the asserts, print the pass
marker, patch ``assert``/builtins/``AssertionError``, return an object whose ``__eq__`` is
always True, or read the test code from disk. So the harness splits the work in two
processes (a design close to an RPC boundary):

* the *trusted parent* (this file's ``main``) reads its request from stdin (the pipe is then
  empty, so the test code, the expected values and the nonce exist nowhere on disk and
  nowhere the program can read), makes itself non-dumpable (the program, under the same uid,
  then cannot open ``/proc/<parent>/{mem,fd,environ}`` or ptrace it), and starts
* the *untrusted child* (this file with ``child``), which loads the program and calls its
  functions on request. It gets no stdin and no handle to the parent's stdout; its own
  output goes to stderr.

Arguments go to the child and return values come back as *typed plain data*
(``encode_value``/``decode_value``): exact builtin types only (a bool is not an int, a
subclass is not its base, an object of any other class cannot be sent at all). Every value
the parent sees is therefore one it built itself from data, so an always-equal object
cannot exist on the trusted side, and whatever the child does to its own interpreter
changes nothing there. The child is untrusted as a whole: the worst it can do is answer
with some plain value, which it could have returned honestly.

The parent runs assert tests itself, with every top-level callable of the program bound to
a proxy that calls into the child. Anything abnormal on the child's side (it exited, raised
``SystemExit``/``StopIteration``, returned a non-data object, broke the protocol) is
recorded, so a test that swallows the exception still cannot pass. For function-call
tests the parent reports the returned value; the comparison with the expected value happens
outside the sandbox, and the expected value never enters it.

The parent is started as ``python3 main.py`` in the work dir, which the program can write;
before importing anything it drops from ``sys.path`` every directory the program could
write into, so no module the parent imports later can be one the program planted.

Assert tests may come with a *prelude*: trusted code (the prompt's helper functions) run in
the tests' namespace before them, whose definitions win over the program's.

The parent's only stdout output is one line, ``<nonce> <json report>``; see ``Report``
keys in ``_report``. The nonce is a per-run secret from the judge.

Request on stdin (JSON)::

    {"nonce": str, "program": str, "mode": "assert", "test_code": str, "entry_point": str|null,
     "prelude": str|null}
    {"nonce": str, "program": str, "mode": "call", "fn_name": str, "args": [...], "kwargs": {}}
"""

from __future__ import annotations

# ruff: noqa: E402 (the other imports must come after sys.path is cleaned, below)
# sys is built in and os is frozen and loaded at interpreter start, so importing them reads
# no directory. Nothing else may be imported before ``sys.path`` is cleaned below.
import os
import sys


def _trusted_import_dir(entry: str) -> bool:
    """Whether imports may read ``entry``: the program can write neither it nor a parent.

    The parent runs as ``python3 main.py`` in the work dir, so the script's directory (the
    work dir) is ``sys.path[0]``: a ``random.py`` or ``linecache.py`` the program writes there
    would run in the trusted parent at the next import (a test's ``import random``, a
    warning loading ``linecache``) and could write the verdict. A directory under one the
    program can write (or that it could create) is as bad as the work dir itself.
    """
    if not entry or not os.path.isabs(entry):  # "" and relative entries mean the cwd
        return False
    # The path as written (a link in it could be replaced) and where it leads.
    return all(
        _unwritable_up_to_root(path) for path in (os.path.normpath(entry), os.path.realpath(entry))
    )


def _unwritable_up_to_root(path: str) -> bool:
    while not os.access(path, os.W_OK):
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent
    return False


if __name__ == "__main__":
    # First thing, before any import can look a module up: only the interpreter's own
    # read-only directories stay. (Imported as a module by the judge, nothing changes.)
    _untrusted = {"", os.getcwd(), os.path.dirname(os.path.abspath(__file__))}
    sys.path[:] = [p for p in sys.path if p not in _untrusted and _trusted_import_dir(p)]

import base64
import builtins
import contextlib
import json
import subprocess
from collections.abc import Callable
from typing import IO, Any, NoReturn

# Verdicts the parent reports (the judge maps them to test outcomes).
PASSED = "passed"  # assert mode: every assert held and nothing abnormal happened
RETURNED = "returned"  # call mode: the function returned ``value`` (typed plain data)
WRONG_ANSWER = "wrong_answer"  # an assert failed, or a non-data value came back
RUNTIME_ERROR = "runtime_error"  # the program raised, exited or broke the protocol
COMPILE_ERROR = "compile_error"  # the program does not parse
HARNESS_ERROR = "harness_error"  # the test could not be run as given (not the program's fault)

# Exceptions the candidate raises that are re-raised as themselves on the trusted side (a test
# may expect ``ValueError``). Iteration-control exceptions are not: raised inside ``map`` or a
# generator of the test they would silently end its loop before any assert ran.
_NOT_RERAISED = ("StopIteration", "StopAsyncIteration", "GeneratorExit")
# One reply line from the child at most (a 1e6-element list of ints is about 8 MB).
_MAX_REPLY_BYTES = 64 * 1024 * 1024
_MESSAGE_CHARS = 500
_PR_SET_DUMPABLE = 4


class Unencodable(TypeError):
    """A value that is not plain data (or is too deep or too large to send)."""


# --- typed plain data ----------------------------------------------------------------------
# JSON carries None, bool, int, finite float, str and list natively; other types are one-key
# objects: {"t": tuple}, {"d": dict as [key, value] pairs}, {"s": set}, {"fs": frozenset},
# {"b": bytes as base64}, {"f": non-finite float as "inf"/"-inf"/"nan"}, {"c": [re, im]}.
_MAX_DEPTH = 100
# The depth a value the program sends starts at: one level shallower than what may be sent to
# it, since a test that passes a returned value back (``candidate(encode(candidate(x)))``)
# wraps it in the argument list; a value too deep for that is the program's wrong answer.
_PROGRAM_VALUE_DEPTH = 1


def encode_value(value: Any, depth: int = 0) -> Any:
    """``value`` as typed JSON data. Exact types only: subclasses and other objects raise.

    Raises:
        Unencodable: a value of any other type, or nesting deeper than 100.
    """
    if depth > _MAX_DEPTH:
        raise Unencodable("nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is str:
        return value
    if kind is float:
        return value if value - value == 0.0 else {"f": repr(value)}
    if kind is list:
        return [encode_value(v, depth + 1) for v in value]
    if kind is tuple:
        return {"t": [encode_value(v, depth + 1) for v in value]}
    if kind is dict:
        return {
            "d": [
                [encode_value(k, depth + 1), encode_value(v, depth + 1)] for k, v in value.items()
            ]
        }
    if kind is set or kind is frozenset:
        return {"s" if kind is set else "fs": [encode_value(v, depth + 1) for v in value]}
    if kind is bytes:
        return {"b": base64.b64encode(value).decode("ascii")}
    if kind is complex:
        return {"c": [encode_value(value.real, depth + 1), encode_value(value.imag, depth + 1)]}
    raise Unencodable(f"an object of type {_type_name(value)} is not plain data")


def decode_value(data: Any, depth: int = 0) -> Any:
    """The Python value of typed JSON data (the inverse of ``encode_value``).

    Builds only builtin values, whatever ``data`` holds.

    Raises:
        ValueError: ``data`` is not typed plain data.
    """
    if depth > _MAX_DEPTH:
        raise ValueError("nested too deeply")
    kind = type(data)
    if data is None or kind is bool or kind is int or kind is str or kind is float:
        return data
    if kind is list:
        return [decode_value(v, depth + 1) for v in data]
    if kind is not dict or len(data) != 1:
        raise ValueError(f"not typed data: {_type_name(data)}")
    ((tag, body),) = data.items()
    if tag == "f" and body in ("inf", "-inf", "nan"):
        return float(body)
    if tag == "b" and type(body) is str:
        return base64.b64decode(body, validate=True)
    if type(body) is not list:
        raise ValueError(f"not typed data: tag {str(tag)[:20]!r}")
    items = [decode_value(v, depth + 1) for v in body] if tag != "d" else []
    if tag == "t":
        return tuple(items)
    try:
        if tag == "s":
            return set(items)
        if tag == "fs":
            return frozenset(items)
    except TypeError as exc:  # an unhashable element
        raise ValueError(f"not typed data: {exc}") from None
    if tag == "c" and len(items) == 2 and all(type(v) in (int, float) for v in items):
        return complex(items[0], items[1])
    if tag == "d":
        pairs = [decode_value(p, depth + 1) for p in body]
        if not all(type(p) is list and len(p) == 2 for p in pairs):
            raise ValueError("not typed data: a dict entry is not a pair")
        try:
            return {k: v for k, v in pairs}
        except TypeError as exc:  # an unhashable key
            raise ValueError(f"not typed data: {exc}") from None
    raise ValueError(f"not typed data: tag {str(tag)[:20]!r}")


def _type_name(value: object) -> str:
    # type(value) is reliable even for an object that lies about __class__.
    return type(value).__qualname__[:100]


def _message(exc: BaseException) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except Exception:  # a hostile __str__
        text = type(exc).__name__
    return text[:_MESSAGE_CHARS]


# --- the untrusted child -------------------------------------------------------------------


def _child_main(request_fd: int, reply_fd: int) -> None:
    """Load the program, then answer call requests until the parent closes the pipe."""
    requests = os.fdopen(request_fd, "rb")
    replies = os.fdopen(reply_fd, "wb")

    def reply(message: dict[str, Any]) -> None:
        replies.write(json.dumps(message).encode("utf-8") + b"\n")
        replies.flush()

    # Not "__main__": a completion's demo block (often reading stdin) does not run, as in
    # HumanEval's own harness.
    namespace: dict[str, Any] = {"__name__": "solution", "__builtins__": builtins}
    for line in requests:
        request = json.loads(line)
        if request["op"] == "load":
            reply(_load(namespace, request["source"]))
        else:
            reply(_call(namespace, request))


def _load(namespace: dict[str, Any], source: str) -> dict[str, Any]:
    try:
        exec(compile(source, "<solution>", "exec"), namespace)
    except BaseException as exc:  # SystemExit included: the program ended during import
        return {"ok": False, "error": _message(exc), "base": not isinstance(exc, Exception)}
    callables: list[str] = []
    values: dict[str, Any] = {}
    for name, value in list(namespace.items()):
        if name.startswith("__"):
            continue
        if callable(value):
            callables.append(name)
        else:
            # Modules and other objects stay on the child's side.
            with contextlib.suppress(Unencodable, ValueError, RecursionError):
                values[name] = encode_value(value, _PROGRAM_VALUE_DEPTH)
    return {"ok": True, "callables": callables, "values": values}


def _resolve(namespace: dict[str, Any], name: str) -> Callable[..., Any] | None:
    """A top-level function, else a LeetCode-style ``Solution().name`` method."""
    found = namespace.get(name)
    if callable(found):
        return found  # type: ignore[no-any-return]
    solution = namespace.get("Solution")
    if isinstance(solution, type) and callable(getattr(solution, name, None)):
        return getattr(solution(), name)  # type: ignore[no-any-return]
    return None


def _call(namespace: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    try:
        function = _resolve(namespace, request["name"])
        if function is None:
            return {"ok": False, "missing": True}
        args = decode_value(request["args"])
        kwargs = decode_value(request["kwargs"])
        result = function(*args, **kwargs)
    except BaseException as exc:
        return {
            "ok": False,
            "error": _message(exc),
            "type": type(exc).__name__,
            "base": not isinstance(exc, Exception),
        }
    try:
        return {"ok": True, "value": encode_value(result, _PROGRAM_VALUE_DEPTH)}
    except (Unencodable, RecursionError) as exc:
        return {"ok": False, "unencodable": str(exc)}


# --- the trusted parent --------------------------------------------------------------------


class _Abnormal(BaseException):
    """The child did something no honest program does; the test fails whatever catches it.

    A ``BaseException`` so that a test's ``except Exception`` does not swallow it; the
    parent records the first one anyway, so even a bare ``except:`` cannot.
    """

    def __init__(self, verdict: str, message: str) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.message = message


class CandidateError(Exception):
    """The candidate raised an exception that is not a builtin one (named in the message)."""


class _Child:
    """The untrusted child process and the pipes to it."""

    def __init__(self) -> None:
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-I",
                os.path.abspath(__file__),
                "child",
                str(request_r),
                str(reply_w),
            ],
            stdin=subprocess.DEVNULL,
            stdout=2,  # the program's prints go to stderr: stdout is the parent's alone
            stderr=2,
            pass_fds=(request_r, reply_w),
            env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": os.getcwd()},
        )
        os.close(request_r)
        os.close(reply_w)
        self._requests: IO[bytes] = os.fdopen(request_w, "wb")
        self._replies: IO[bytes] = os.fdopen(reply_r, "rb")
        self.abnormal: _Abnormal | None = None

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one request and read its reply; a dead child or a bad reply is abnormal."""
        try:
            self._requests.write(json.dumps(request).encode("utf-8") + b"\n")
            self._requests.flush()
            line = self._replies.readline(_MAX_REPLY_BYTES)
        except OSError:  # the child closed its end: it is gone
            line = b""
        if not line.endswith(b"\n"):
            self._fail(RUNTIME_ERROR, self._gone_message())
        try:
            reply = json.loads(line)
        except (ValueError, RecursionError):
            self._fail(RUNTIME_ERROR, "the program wrote garbage on the harness channel")
        if type(reply) is not dict:
            self._fail(RUNTIME_ERROR, "the program wrote garbage on the harness channel")
        return reply

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``name(*args, **kwargs)`` in the child, its result decoded on this side."""
        try:
            request = {
                "op": "call",
                "name": name,
                "args": encode_value(list(args)),
                "kwargs": encode_value(kwargs),
            }
        except Unencodable as exc:
            self._fail(HARNESS_ERROR, f"the test passed {name} an argument it cannot send: {exc}")
        reply = self.ask(request)
        if reply.get("ok") is True:
            try:
                return decode_value(reply.get("value"))
            except (ValueError, RecursionError):
                self._fail(RUNTIME_ERROR, f"{name} answered with garbage on the harness channel")
        if reply.get("missing") is True:
            self._fail(RUNTIME_ERROR, f"the program defines no function {name!r}")
        if "unencodable" in reply:
            detail = str(reply["unencodable"])[:_MESSAGE_CHARS]
            self._fail(WRONG_ANSWER, f"{name} returned a value that is not plain data: {detail}")
        error = str(reply.get("error", "an unknown error"))[:_MESSAGE_CHARS]
        type_name = str(reply.get("type", ""))
        if reply.get("base") is not False or type_name in _NOT_RERAISED:
            self._fail(RUNTIME_ERROR, f"{name} raised {error}")
        # A builtin exception is re-raised as itself (the tests may expect a ValueError);
        # any other becomes CandidateError. Either is an ordinary Exception, like the
        # candidate's own.
        kind = getattr(builtins, type_name, None)
        if isinstance(kind, type) and issubclass(kind, Exception):
            try:
                reraised: Exception = kind(error)
            except Exception:  # a constructor with required arguments (UnicodeError, ...)
                reraised = CandidateError(error)
            raise reraised
        raise CandidateError(error)

    def _fail(self, verdict: str, message: str) -> NoReturn:
        abnormal = _Abnormal(verdict, message)
        if self.abnormal is None:
            self.abnormal = abnormal
        raise abnormal

    def _gone_message(self) -> str:
        try:
            code = self.process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return "the program closed the harness channel"
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        return f"the program exited ({how}) before the tests finished"

    def close(self) -> None:
        for stream in (self._requests, self._replies):
            with contextlib.suppress(OSError):
                stream.close()
        # Done with it; whatever it started dies with the sandbox run.
        self.process.kill()
        self.process.wait()


def _load_program(child: _Child, program: str) -> dict[str, Any]:
    reply = child.ask({"op": "load", "source": program})
    if reply.get("ok") is not True:
        detail = str(reply.get("error", "an unknown error"))[:_MESSAGE_CHARS]
        raise _Abnormal(RUNTIME_ERROR, f"the program raised {detail} while loading")
    return reply


def _program_name(name: object) -> bool:
    """Whether the tests may see the program's ``name``: an identifier, never a dunder.

    The names come from the untrusted child: ``__builtins__`` or ``__name__`` would replace
    the trusted namespace's own.
    """
    return type(name) is str and name.isidentifier() and not name.startswith("__")


def _proxy(child: _Child, name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return child.call(name, args, kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _run_asserts(child: _Child, request: dict[str, Any]) -> dict[str, Any]:
    loaded = _load_program(child, request["program"])
    # The tests run as a script would: a ``check(f)`` under ``if __name__ == "__main__":``
    # runs (skipping it would pass every program).
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    for name, value in dict(loaded.get("values", {})).items():
        if _program_name(name):
            namespace[name] = decode_value(value)
    entry_point = request.get("entry_point")
    proxies: dict[str, Callable[..., Any]] = {}
    for name in list(loaded.get("callables", [])):
        # A program-defined ``abs`` or ``len`` would shadow the builtin the tests use
        # (``assert abs(candidate(x) - y) < 1e-6``): only the entry point may.
        if _program_name(name) and (name == entry_point or not hasattr(builtins, name)):
            proxies[name] = namespace[name] = _proxy(child, name)
    for name in list(namespace):
        if name not in proxies and hasattr(builtins, name) and not name.startswith("__"):
            del namespace[name]
    if entry_point is not None and entry_point not in proxies:
        return _report(RUNTIME_ERROR, f"the program defines no function {entry_point!r}")
    prelude = request.get("prelude")
    if prelude:
        # Trusted definitions the tests rely on (HumanEval/32's ``poly``): they replace the
        # program's functions of the same name, so the program cannot redefine what judges
        # it. The entry point stays the program's: it is what is judged (a prompt passed as
        # the prelude defines it as a stub).
        try:
            exec(compile(prelude, "<prelude>", "exec", optimize=0), namespace)
        except Exception as exc:
            if child.abnormal is not None:  # it called into the program, which misbehaved
                raise child.abnormal from None
            # The item's own code failed, not the program.
            return _report(HARNESS_ERROR, f"the prelude raised {_message(exc)}")
        if entry_point is not None:
            namespace[entry_point] = proxies[entry_point]
    # optimize=0: asserts run even if the interpreter was started with -O.
    exec(compile(request["test_code"], "<tests>", "exec", optimize=0), namespace)
    check = namespace.get("check")
    # HumanEval's tests define check(candidate) and expect it called with the entry point
    # (a ``check`` of the program's own is never called).
    if entry_point is not None and callable(check) and check is not proxies.get("check"):
        check(proxies[entry_point])
    if child.abnormal is not None:  # the test code caught it; it still fails the test
        raise child.abnormal
    return _report(PASSED)


def _run_call(child: _Child, request: dict[str, Any]) -> dict[str, Any]:
    _load_program(child, request["program"])
    args = tuple(request.get("args", []))
    value = child.call(request["fn_name"], args, dict(request.get("kwargs", {})))
    return _report(RETURNED, value=encode_value(value))


def _report(verdict: str, message: str = "", **extra: Any) -> dict[str, Any]:
    return {"verdict": verdict, "message": message[:_MESSAGE_CHARS], **extra}


def _run(request: dict[str, Any]) -> dict[str, Any]:
    try:
        compile(request["program"], "<solution>", "exec")
    except (SyntaxError, ValueError) as exc:  # ValueError: null bytes in the source
        return _report(COMPILE_ERROR, _message(exc))
    child = _Child()
    try:
        if request["mode"] == "assert":
            return _run_asserts(child, request)
        return _run_call(child, request)
    except _Abnormal as exc:
        first = child.abnormal or exc
        return _report(first.verdict, first.message)
    except AssertionError as exc:
        return _report(WRONG_ANSWER, _message(exc) + _where(exc))
    except BaseException as exc:  # the tests raised, or exited: the program failed them
        first_abnormal = child.abnormal
        if first_abnormal is not None:
            return _report(first_abnormal.verdict, first_abnormal.message)
        return _report(RUNTIME_ERROR, _message(exc) + _where(exc))
    finally:
        child.close()


def _where(exc: BaseException) -> str:
    """The test line that failed, so a failing assert can be found in the test code."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<tests>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" (tests line {line})" if line is not None else ""


def _harden() -> None:
    """Make this process non-dumpable: same-uid processes cannot read its memory or fds."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def main() -> None:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    nonce = str(request["nonce"])
    # The only handle on the real stdout; fd 1 then points at stderr, so nothing else
    # (test code printing, a child inheriting fd 1) can write to stdout.
    verdict_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        _harden()
    except OSError as exc:  # fail closed: never run the program next to an exposed verdict
        report = _report(HARNESS_ERROR, f"cannot protect the harness: {exc}")
    else:
        report = _run(request)
    verdict_out.write(f"{nonce} {json.dumps(report)}\n")
    verdict_out.flush()


def _child_entry(argv: list[str]) -> NoReturn:
    _child_main(int(argv[2]), int(argv[3]))
    sys.exit(0)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        _child_entry(sys.argv)
    main()
