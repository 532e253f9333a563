"""Hard deadlines enforced from outside the work: calls run in killable child processes.

``signal.alarm`` works only on the main thread, in whole seconds, and cannot interrupt a
long C-level call, so it is never used. Instead each call runs in a child process of a
``pebble.ProcessPool``; past its deadline the child is killed and replaced, and the
caller's future raises ``concurrent.futures.TimeoutError``. Children run under an
address-space limit (``RLIMIT_AS``), so a memory blow-up is a ``MemoryError`` there, not an
out-of-memory kill of the caller.

What a future from ``IsolatedPool.submit`` can raise::

    concurrent.futures.TimeoutError   the call ran past timeout_s; its child was killed
    pebble.ProcessExpired (OSError)    the child died (signal, segfault, os._exit)
    MemoryError                        the child hit memory_limit_mb
    any other exception                raised by the function itself, re-raised here

``verdict_for_error`` turns each of these into a ``Verdict``; ``grade_with_deadline`` and
``submit_grade`` run ``grade`` this way.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from referee_verifiers.math.compare import DEFAULT_REL_TOL
from referee_verifiers.math.extract import Policy
from referee_verifiers.math.grade import grade
from referee_verifiers.verdict import Verdict

T = TypeVar("T")

# close() waits this long for the children to exit after killing them.
_JOIN_TIMEOUT_S = 5.0


def _start_child(memory_limit_mb: int | None, initializer: Callable[[], object] | None) -> None:
    """Runs first in every child: cap its memory, silence warnings, warm sympy."""
    if memory_limit_mb is not None:
        import resource  # Unix only; imported here so the module imports everywhere

        limit_bytes = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    warnings.simplefilter("ignore")  # sympy's deprecation chatter is not a verdict
    # Warm the child (imports, parser tables) so no call's deadline pays for it.
    grade(r"\boxed{\frac{x}{2}}", "0.5x")
    if initializer is not None:
        initializer()


def _context() -> multiprocessing.context.BaseContext:
    # forkserver and spawn children inherit none of the caller's threads or held locks,
    # which fork would copy; forkserver is the cheaper of the two where it exists.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class IsolatedPool:
    """A pool of child processes in which each call has a hard time limit.

    Safe to share between threads and with asyncio (``asyncio.wrap_future(future)``;
    cancelling that future kills a running call's child).

    Args:
        max_workers: child processes, hence calls running at once.
        memory_limit_mb: address-space limit of each child; None for none.
        initializer: called once in each new child, after the limits are set. It must be
            importable by name (a module-level function): children do not fork the caller.
        max_tasks: replace a child after this many calls (0: never), bounding the growth
            of sympy's caches.

    A call's deadline counts from when a child starts it, not from ``submit``: calls
    queued behind a busy pool wait without limit.
    """

    def __init__(
        self,
        max_workers: int,
        memory_limit_mb: int | None = 1024,
        initializer: Callable[[], object] | None = None,
        *,
        max_tasks: int = 0,
    ) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, not {max_workers}")
        if memory_limit_mb is not None and memory_limit_mb < 64:
            raise ValueError(f"memory_limit_mb must be at least 64, not {memory_limit_mb}")
        self._pool = ProcessPool(
            max_workers=max_workers,
            max_tasks=max_tasks,
            initializer=_start_child,
            initargs=(memory_limit_mb, initializer),
            context=_context(),
        )

    def submit(
        self, fn: Callable[..., T], *args: Any, timeout_s: float
    ) -> concurrent.futures.Future[T]:
        """Run ``fn(*args)`` in a child; past ``timeout_s`` the child is killed.

        ``fn`` and ``args`` must pickle. The future raises what the module docstring lists.

        Raises:
            ValueError: ``timeout_s`` is not positive.
            RuntimeError: the pool is closed.
        """
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, not {timeout_s}")
        future: concurrent.futures.Future[T] = self._pool.schedule(fn, args=args, timeout=timeout_s)
        return future

    def close(self) -> None:
        """Stop the pool: pending calls are cancelled and running ones killed. Idempotent."""
        self._pool.stop()  # type: ignore[no-untyped-call]
        self._pool.join(timeout=_JOIN_TIMEOUT_S)

    def __enter__(self) -> IsolatedPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _grade_positional(completion: str, gold: str, policy: Policy, rel_tol: float) -> Verdict:
    """``grade`` with positional options: what a child runs (pebble passes no keywords)."""
    return grade(completion, gold, policy=policy, rel_tol=rel_tol)


def submit_grade(
    pool: IsolatedPool,
    completion: str,
    gold: str,
    *,
    timeout_s: float,
    policy: Policy = "lenient",
    rel_tol: float = DEFAULT_REL_TOL,
) -> concurrent.futures.Future[Verdict]:
    """Start ``grade(completion, gold, ...)`` in ``pool``; turn a failure of the future
    into a verdict with ``verdict_for_error``.

    Raises:
        ValueError: bad ``timeout_s``, ``policy`` or ``rel_tol`` (checked here, not in
            the child, so a caller's mistake is not reported as an item's error).
    """
    if policy not in ("lenient", "strict"):
        raise ValueError(f"policy must be 'lenient' or 'strict', not {policy!r}")
    if not 0 <= rel_tol <= 0.1:
        raise ValueError(f"rel_tol must be within [0, 0.1], not {rel_tol}")
    return pool.submit(_grade_positional, completion, gold, policy, rel_tol, timeout_s=timeout_s)


def verdict_for_error(exc: BaseException, timeout_s: float) -> Verdict:
    """The verdict of an item whose grading future raised ``exc``."""
    if isinstance(exc, concurrent.futures.TimeoutError):
        error = f"grading exceeded {timeout_s:g} s; its process was killed"
        return Verdict("timeout", 0.0, {"error": error})
    if isinstance(exc, MemoryError):
        return Verdict("internal_error", 0.0, {"error": "MemoryError: grading exceeded memory"})
    if isinstance(exc, ProcessExpired):
        error = f"ProcessExpired: grading process died (exit code {exc.exitcode})"
        return Verdict("internal_error", 0.0, {"error": error})
    return Verdict("internal_error", 0.0, {"error": f"{type(exc).__name__}: grader failed"})


def grade_with_deadline(
    pool: IsolatedPool,
    completion: str,
    gold: str,
    timeout_s: float,
    *,
    policy: Policy = "lenient",
    rel_tol: float = DEFAULT_REL_TOL,
) -> Verdict:
    """``grade(completion, gold)`` in ``pool`` under a hard deadline; blocks. Never raises
    on content.

    A call past ``timeout_s`` is ``timeout``; a child that ran out of memory or died is
    ``internal_error`` with ``details["error"]`` saying which.
    """
    future = submit_grade(
        pool, completion, gold, timeout_s=timeout_s, policy=policy, rel_tol=rel_tol
    )
    try:
        return future.result()
    except Exception as exc:  # anything is this item's verdict, never the caller's crash
        return verdict_for_error(exc, timeout_s)
