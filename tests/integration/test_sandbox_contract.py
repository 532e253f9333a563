"""What every sandbox backend promises, run against Docker and bubblewrap alike.

Real pools, real programs in all six languages; each test says which behaviour it pins.
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from referee_sandboxes import Execution, Limits, PooledBackend, RunSpec, SandboxError, TestRuns

from tests.integration.conftest import POOL_LIMITS

pytestmark = pytest.mark.docker

FAST = POOL_LIMITS

DOUBLE = {
    "python": "print(int(input()) * 2)",
    "cpp": (
        "#include <iostream>\nint main() { long x; std::cin >> x; std::cout << 2 * x << '\\n'; }"
    ),
    "c": (
        '#include <stdio.h>\nint main(void) { long x; scanf("%ld", &x); printf("%ld\\n", 2 * x); }'
    ),
    "java": (
        "import java.util.Scanner;\n"
        "public class Doubler {\n"
        "    public static void main(String[] args) {\n"
        "        System.out.println(2 * new Scanner(System.in).nextLong());\n"
        "    }\n"
        "}\n"
    ),
    "javascript": "const x = Number(require('fs').readFileSync(0, 'utf8'));\nconsole.log(2 * x);",
    "rust": (
        "use std::io::Read;\n"
        "fn main() {\n"
        "    let mut s = String::new();\n"
        "    std::io::stdin().read_to_string(&mut s).unwrap();\n"
        '    println!("{}", 2 * s.trim().parse::<i64>().unwrap());\n'
        "}\n"
    ),
}
BROKEN = {
    "cpp": "int main() { return undefined_name; }",
    "c": "int main(void) { return undefined_name; }",
    "java": "public class Main { public static void main(String[] a) { int x = ; } }",
    "rust": 'fn main() { let x: i32 = "text"; }',
}


def run(backend: PooledBackend, source: str, stdin: str = "", limits: Limits = FAST) -> Execution:
    return backend.run(RunSpec(language="python", source=source, stdin=stdin, limits=limits))


def item(backend: PooledBackend, lang: str, source: str, stdins: list[str]) -> TestRuns:
    return backend.run_tests(RunSpec(language=lang, source=source, limits=FAST), stdins)


@pytest.mark.parametrize("lang", sorted(DOUBLE))
def test_each_language_compiles_once_and_runs_every_test(backend: PooledBackend, lang: str) -> None:
    result = item(backend, lang, DOUBLE[lang], ["21\n", "-4\n", "1000000\n"])
    assert [r.stdout for r in result.runs] == ["42\n", "-8\n", "2000000\n"]
    assert all(r.exit_code == 0 and not r.timed_out for r in result.runs)
    compiled = lang not in ("python", "javascript")
    assert (result.compiled is not None) == compiled
    assert not result.compile_failed


@pytest.mark.parametrize("lang", sorted(BROKEN))
def test_a_compile_error_is_the_compile_step_and_nothing_runs(
    backend: PooledBackend, lang: str
) -> None:
    result = item(backend, lang, BROKEN[lang], ["1\n", "2\n"])
    assert result.compile_failed and result.runs == []
    assert result.compiled is not None and "error" in result.compiled.stderr.lower()


def test_java_runs_the_public_class_whatever_its_name(backend: PooledBackend) -> None:
    source = (
        "class Helper { static int twice(int x) { return 2 * x; } }\n"
        "public final class Solution {\n"
        "    public static void main(String[] a) { System.out.println(Helper.twice(21)); }\n"
        "}\n"
    )
    assert item(backend, "java", source, [""]).runs[0].stdout == "42\n"


def test_java_in_a_package_runs_too(backend: PooledBackend) -> None:
    source = (
        "package org.example.solution;\n"
        "public class Main {\n"
        "    public static void main(String[] a) { System.out.println(Main.class.getName()); }\n"
        "}\n"
    )
    assert item(backend, "java", source, [""]).runs[0].stdout == "org.example.solution.Main\n"


def test_stdout_stdin_exit_codes_and_stderr(backend: PooledBackend) -> None:
    assert run(backend, "print('hello')").stdout == "hello\n"
    assert run(backend, "print(int(input()) + 1)", "41\n").stdout == "42\n"
    failed = run(backend, "import sys\nprint('bad', file=sys.stderr)\nsys.exit(3)")
    assert (failed.exit_code, failed.stderr, failed.signal) == (3, "bad\n", None)


def test_a_crash_reports_its_signal(backend: PooledBackend) -> None:
    crash = item(backend, "c", "int main(void) { return *(volatile int *)0; }", [""])
    run_ = crash.runs[0]
    assert (run_.exit_code, run_.signal) == (None, signal.SIGSEGV)
    assert not (run_.timed_out or run_.memory_exceeded or run_.output_exceeded)


def test_files_and_args_reach_the_program(backend: PooledBackend) -> None:
    spec = RunSpec(
        language="python",
        source="import sys\nprint(open('data/in.txt').read().strip(), *sys.argv[1:])",
        limits=FAST,
        files={"data/in.txt": "from a file\n"},
        args=("one", "two"),
    )
    assert backend.run(spec).stdout == "from a file one two\n"


def test_keep_going_stops_the_remaining_tests(backend: PooledBackend) -> None:
    seen: list[int] = []

    def keep_going(i: int, execution: Execution) -> bool:
        seen.append(i)
        return execution.stdout == "2\n"

    spec = RunSpec(language="cpp", source=DOUBLE["cpp"], limits=FAST)
    result = backend.run_tests(spec, ["1\n", "5\n", "7\n"], keep_going)
    assert [r.stdout for r in result.runs] == ["2\n", "10\n"] and seen == [0, 1]


def test_output_not_kept_is_seen_by_keep_going_then_dropped(backend: PooledBackend) -> None:
    seen: list[str] = []

    def keep_going(i: int, execution: Execution) -> bool:
        seen.append(execution.stdout)
        return True

    spec = RunSpec(language="cpp", source=DOUBLE["cpp"], limits=FAST, output_kept=False)
    result = backend.run_tests(spec, ["1\n", "5\n"], keep_going)
    assert seen == ["2\n", "10\n"]
    assert [(r.stdout, r.stderr, r.exit_code) for r in result.runs] == [("", "", 0)] * 2


def test_no_step_runs_past_the_deadline(backend: PooledBackend) -> None:
    # Its own limit allows 20 s; the deadline, 1.5 s away, cuts it, and no run follows.
    limits = Limits(wall_time_s=20.0, memory_mb=128, pids=32)
    deadline = time.monotonic() + 1.5
    spec = RunSpec(language="python", source="import time\ntime.sleep(30)", limits=limits)
    result = backend.run_tests(replace(spec, deadline=deadline), ["", "", ""])
    assert len(result.runs) == 1 and result.runs[0].timed_out
    assert result.runs[0].duration_s < 5.0
    # A deadline already past: nothing runs, and ``run`` says the time ran out.
    late = replace(spec, language="cpp", source=DOUBLE["cpp"], deadline=time.monotonic() - 1)
    assert backend.run(late).timed_out


def test_the_cpu_time_limit_is_a_timeout(backend: PooledBackend) -> None:
    limits = Limits(wall_time_s=10.0, cpu_time_s=1.0, memory_mb=128, pids=32)
    spun = run(backend, "while True:\n    pass", limits=limits)
    assert spun.timed_out and spun.exit_code is None
    # Ended by the CPU limit (SIGXCPU), not by the wall limit's SIGKILL.
    assert spun.signal == signal.SIGXCPU and (spun.cpu_time_s or 0) >= 0.9


def test_the_program_runs_unprivileged_under_its_own_uid(backend: PooledBackend) -> None:
    probe = run(
        backend,
        "import os\n"
        "status = dict(l.split(':', 1) for l in open('/proc/self/status'))\n"
        "print(os.getuid(), os.getgid(), os.getgroups())\n"
        "print(int(status['CapEff'], 16), int(status['CapPrm'], 16),\n"
        "      status['NoNewPrivs'].strip())\n"
        "print(os.getppid(), os.getpgid(0) == os.getpid())\n",
    )
    ids, caps, parent = probe.stdout.splitlines()
    uid, gid, groups = ids.split(" ", 2)
    assert int(uid) >= 100_000 and uid == gid and groups == "[]"
    assert caps.split() == ["0", "0", "1"]  # no capability at all, no new privileges
    assert parent.split() == ["1", "True"]  # the runner's child, in its own session


def test_the_environment_is_only_what_the_runner_sets(backend: PooledBackend) -> None:
    os.environ["REFEREE_TEST_SECRET"] = "hunter2"  # the host's: must not reach the program
    try:
        env = run(backend, "import os\nprint(sorted(os.environ))").stdout
    finally:
        del os.environ["REFEREE_TEST_SECRET"]
    assert env == "['HOME', 'LANG', 'PATH', 'PYTHONDONTWRITEBYTECODE', 'TMPDIR']\n"


def test_the_work_dir_and_scratch_are_wiped_between_executions(backend: PooledBackend) -> None:
    leave = (
        "import os\n"
        "for path in ('/work/left.txt', '/tmp/left.txt', '/dev/shm/left.txt'):\n"
        "    open(path, 'w').write('x')\n"
        "os.makedirs('/work/deep/er', exist_ok=True)\n"
        "os.chmod('/work/deep', 0)\n"
    )
    look = (
        "import os\nprint(sorted(os.listdir('/work')), os.listdir('/tmp'), os.listdir('/dev/shm'))"
    )
    # A pool of two: run enough times that each sandbox sees a leftover-leaving run first.
    for _ in range(3):
        assert run(backend, leave).exit_code == 0
        assert run(backend, look).stdout == "['main.py'] [] []\n"


def test_runs_from_several_threads_at_once(backend: PooledBackend) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        outputs = list(pool.map(lambda i: run(backend, f"print({i} * {i})").stdout, range(12)))
    assert outputs == [f"{i * i}\n" for i in range(12)]
    assert backend._count <= backend.size


def test_a_sandbox_is_recycled_after_n_executions(lone_backend: PooledBackend) -> None:
    lone_backend.recycle_after = 3
    uids = [run(lone_backend, "import os\nprint(os.getuid())").stdout for _ in range(4)]
    # Each sandbox runs its programs under its own uid: the fourth run met a new sandbox.
    assert uids[0] == uids[1] == uids[2] != uids[3]
    assert lone_backend.recycled.get("recycle_after") == 1


def test_a_hung_runner_is_killed_by_the_host_and_replaced(lone_backend: PooledBackend) -> None:
    assert run(lone_backend, "print(1)").stdout == "1\n"
    (box,) = lone_backend._idle
    _freeze(box)  # the runner stops answering, as if it were wedged
    hung = run(lone_backend, "print('never answered')", limits=Limits(wall_time_s=1.0))
    assert hung.timed_out and hung.exit_code is None and hung.stdout == ""
    assert hung.duration_s < 1.0 + 1.0 + 1.0
    assert lone_backend.recycled.get("lost") == 1
    assert run(lone_backend, "print(2)").stdout == "2\n"


def test_a_sandbox_that_died_while_idle_is_replaced(lone_backend: PooledBackend) -> None:
    assert run(lone_backend, "print(1)").stdout == "1\n"
    (box,) = lone_backend._idle
    box.destroy()
    assert run(lone_backend, "print(2)").stdout == "2\n"
    assert lone_backend.recycled.get("died while idle") == 1


def test_an_unknown_language_is_a_sandbox_error(backend: PooledBackend) -> None:
    with pytest.raises(SandboxError, match="unsupported language 'cobol'"):
        backend.run(RunSpec(language="cobol", source="DISPLAY 'HI'."))


def _freeze(box: object) -> None:
    """Stop a sandbox's runner from the host: Docker pauses it, bwrap gets SIGSTOP."""
    container_id = getattr(box, "container_id", None)
    if container_id is not None:
        box._api.pause(container_id)  # type: ignore[attr-defined]
    else:
        os.kill(box._child_pid, signal.SIGSTOP)  # type: ignore[attr-defined]
