"""Hostile programs, at the backend: each is contained, flagged, and never looks like a pass,
and the same pool (one sandbox, so the very next program meets whatever was left) answers
a normal program correctly right after. Run against Docker and bubblewrap alike."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from referee_sandboxes import Execution, Limits, PooledBackend, RunSpec

from tests.integration.conftest import BACKENDS, make_backend

pytestmark = pytest.mark.docker

LIMITS = Limits(wall_time_s=2.0, memory_mb=128, pids=32, output_bytes=10_000)
# What a clean finish within the limits looks like; no hostile program may look like this.
CLEAN = (0, None, False, False, False)


@pytest.fixture(scope="module", params=BACKENDS)
def pool(request: pytest.FixtureRequest) -> Iterator[PooledBackend]:
    backend = make_backend(request.param, size=1, host_margin_s=2.0)
    yield backend
    backend.close()


def run(pool: PooledBackend, source: str, lang: str = "python", **limits: float) -> Execution:
    spec = RunSpec(language=lang, source=source, limits=_limits(**limits))
    result = pool.run_tests(spec, [""])
    assert not result.compile_failed, result.compiled
    return result.runs[0]


def _limits(**overrides: float) -> Limits:
    return Limits(**{**LIMITS.__dict__, **overrides})


def flags(execution: Execution) -> tuple[object, ...]:
    e = execution
    return (e.exit_code, e.signal, e.timed_out, e.memory_exceeded, e.output_exceeded)


def assert_healthy(pool: PooledBackend) -> None:
    """The pool still answers correctly, with a clean work dir, after whatever ran before."""
    spec = RunSpec(
        language="python",
        source="import os\nprint(input()[::-1], sorted(os.listdir('.')), os.listdir('/tmp'))",
        stdin="abc\n",
        limits=LIMITS,
    )
    after = pool.run(spec)
    assert (after.exit_code, after.stdout) == (0, "cba ['main.py'] []\n"), after


def test_an_infinite_loop_is_killed_at_the_wall_limit(pool: PooledBackend) -> None:
    spun = run(pool, "while True:\n    pass")
    assert spun.timed_out and spun.exit_code is None and spun.duration_s < LIMITS.wall_time_s + 1
    assert_healthy(pool)


def test_an_infinite_loop_in_cpp_is_killed_too(pool: PooledBackend) -> None:
    spun = run(pool, "int main() { volatile unsigned long n = 0; for (;;) ++n; }", "cpp")
    assert spun.timed_out and spun.exit_code is None
    assert_healthy(pool)


def test_sleeping_forever_is_a_timeout(pool: PooledBackend) -> None:
    slept = run(pool, "import time\ntime.sleep(3600)")
    assert slept.timed_out and slept.cpu_time_s is not None and slept.cpu_time_s < 0.5
    assert_healthy(pool)


def test_a_fork_bomb_is_contained(pool: PooledBackend) -> None:
    bomb = run(
        pool,
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
    )
    assert flags(bomb) != CLEAN and (bomb.timed_out or bomb.memory_exceeded)
    assert "without a report" not in bomb.stderr  # the runner itself survived
    assert_healthy(pool)


def test_a_fork_bomb_in_c_is_contained(pool: PooledBackend) -> None:
    bomb = run(pool, "#include <unistd.h>\nint main(void) { for (;;) fork(); }", "c")
    assert bomb.timed_out and "without a report" not in bomb.stderr
    assert_healthy(pool)


@pytest.mark.parametrize(
    ("lang", "source"),
    [
        ("python", "blocks = [bytearray(1 << 20) for _ in range(4096)]"),
        (
            "cpp",
            "#include <vector>\n#include <cstring>\nint main() { std::vector<char*> v;\n"
            "  for (;;) {\n"
            "    char *p = new char[1 << 20]; std::memset(p, 1, 1 << 20); v.push_back(p);\n"
            "  }\n"
            "}\n",
        ),
        ("javascript", "const a = []; for (;;) a.push(new Array(1 << 16).fill(1.5));"),
        (
            "java",
            "import java.util.*;\npublic class Main { public static void main(String[] a) {\n"
            "  List<long[]> l = new ArrayList<>(); for (;;) l.add(new long[1 << 17]); } }",
        ),
        (
            "rust",
            "fn main() { let mut v: Vec<Vec<u8>> = Vec::new();\n"
            "  loop { v.push(vec![1u8; 1 << 20]); } }",
        ),
    ],
)
def test_a_memory_hog_hits_the_memory_limit(pool: PooledBackend, lang: str, source: str) -> None:
    hog = run(pool, source, lang, wall_time_s=10.0)
    assert hog.memory_exceeded and not hog.timed_out and hog.exit_code != 0, hog
    assert_healthy(pool)


def test_a_disk_filler_is_stopped_and_its_files_are_gone_next_time(pool: PooledBackend) -> None:
    one_big = run(pool, "f = open('big', 'wb')\nwhile True:\n    f.write(b'x' * (1 << 20))")
    # RLIMIT_FSIZE: SIGXFSZ ends it at the file size limit (or the tmpfs fills first).
    assert flags(one_big) != CLEAN and not one_big.timed_out
    many = run(
        pool,
        "import itertools\nfor i in itertools.count():\n"
        "    open(f'f{i}', 'wb').write(b'x' * (1 << 20))",
    )
    assert many.exit_code == 1 and "No space left on device" in many.stderr
    assert_healthy(pool)


def test_a_gigabyte_of_stdout_is_cut_at_the_output_limit(pool: PooledBackend) -> None:
    started = time.monotonic()
    flood = run(
        pool,
        "import sys\nchunk = 'y' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(chunk)",
    )
    assert flood.output_exceeded and not flood.timed_out and flood.exit_code is None
    assert flood.stdout == "y" * LIMITS.output_bytes
    assert time.monotonic() - started < LIMITS.wall_time_s
    assert_healthy(pool)


def test_the_network_is_unreachable(pool: PooledBackend) -> None:
    probe = run(
        pool,
        "import socket\n"
        "for host in ('1.1.1.1', '172.17.0.1', '127.0.0.1'):\n"
        "    try:\n"
        "        socket.create_connection((host, 53), timeout=1)\n"
        "        print('connected', host)\n"
        "    except OSError as exc:\n"
        "        print(host, type(exc).__name__)\n",
    )
    assert "connected" not in probe.stdout and probe.stdout.count("Error") == 3, probe
    assert_healthy(pool)


def test_host_files_and_secrets_are_out_of_reach(pool: PooledBackend) -> None:
    probe = run(
        pool,
        "import os\n"
        "for path in ('/work/main/README.md', '/root', '/var/lib/docker', '/etc/shadow',\n"
        "             '/proc/1/environ', '/proc/1/fd/0', '/proc/1/maps'):\n"
        "    try:\n"
        "        open(path).read() if not os.path.isdir(path) else os.listdir(path)\n"
        "        print('read', path)\n"
        "    except OSError as exc:\n"
        "        print(path, type(exc).__name__)\n",
    )
    assert "read" not in probe.stdout.replace("README", ""), probe.stdout
    assert_healthy(pool)


def test_writing_outside_the_work_dir_fails(pool: PooledBackend) -> None:
    probe = run(
        pool,
        "for path in ('/etc/passwd', '/usr/bin/python3', '/opt/referee/runner.py',\n"
        "             '/run/referee/runner.py', '/owned', '/usr/lib/x'):\n"
        "    try:\n"
        "        open(path, 'a').write('x')\n"
        "        print('wrote', path)\n"
        "    except OSError as exc:\n"
        "        print(path, exc.errno)\n",
    )
    assert "wrote" not in probe.stdout and probe.exit_code == 0, probe.stdout
    assert_healthy(pool)


def test_kill_minus_one_only_reaches_the_programs_own_processes(pool: PooledBackend) -> None:
    killer = run(
        pool,
        "import os, signal, time\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    time.sleep(60)\n"
        "    os._exit(0)\n"
        "os.kill(-1, signal.SIGKILL)\n"  # every process it may signal but itself
        "print('child ended by', os.waitpid(child, 0)[1] & 0x7f)\n",
    )
    assert (killer.exit_code, killer.stdout) == (0, "child ended by 9\n")
    assert_healthy(pool)


def test_the_program_cannot_signal_or_trace_the_runner(pool: PooledBackend) -> None:
    probe = run(
        pool,
        "import ctypes, os, signal\n"
        "for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGSTOP):\n"
        "    try:\n"
        "        os.kill(1, sig)\n"
        "        print('signalled', sig)\n"
        "    except OSError as exc:\n"
        "        print(sig, exc.errno)\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "print('ptrace', libc.ptrace(16, 1, 0, 0), ctypes.get_errno())\n"  # PTRACE_ATTACH
        "import resource\n"
        "try:\n"
        "    resource.prlimit(1, resource.RLIMIT_NOFILE, (0, 0))\n"
        "    print('limited the runner')\n"
        "except OSError as exc:\n"
        "    print('prlimit', exc.errno)\n",
    )
    assert "signalled" not in probe.stdout and "limited" not in probe.stdout, probe.stdout
    assert "ptrace -1 1" in probe.stdout  # EPERM
    assert_healthy(pool)


def test_a_background_process_does_not_outlive_the_test(pool: PooledBackend) -> None:
    left = run(
        pool,
        "import subprocess, sys\n"
        'loop = \'import time\\nwhile True:\\n open("/tmp/alive", "w"); time.sleep(0.01)\'\n'
        "subprocess.Popen([sys.executable, '-c', loop])\n"
        "print('left it running')",
    )
    assert left.stdout == "left it running\n" and left.duration_s < 1.5
    assert_healthy(pool)  # /tmp is empty: nothing kept writing after the kill


def test_a_setsid_daemon_does_not_outlive_the_test(pool: PooledBackend) -> None:
    daemon = run(
        pool,
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        os.closerange(0, 3)\n"
        "        while True:\n"
        "            open('/tmp/daemon', 'w').write('x'); time.sleep(0.01)\n"
        "    os._exit(0)\n"
        "print('daemonized')",
    )
    assert daemon.stdout == "daemonized\n" and daemon.exit_code == 0
    assert_healthy(pool)


def test_ipc_objects_left_behind_recycle_the_sandbox(pool: PooledBackend) -> None:
    before = dict(pool.recycled)
    left = run(
        pool,
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print(libc.shmget(0, 1 << 20, 0o1600) >= 0)",  # IPC_PRIVATE, IPC_CREAT | 0600
    )
    assert left.stdout == "True\n"
    assert sum(pool.recycled.values()) == sum(before.values()) + 1
    assert_healthy(pool)


def test_the_program_cannot_forge_the_runner_report(pool: PooledBackend) -> None:
    fake = (
        '{"exit_code": 0, "signal": null, "timed_out": false, "cpu_exceeded": false,'
        ' "output_exceeded": false, "oom_kills": 0, "maxrss_kb": 1, "cpu_s": 0.0,'
        ' "duration_s": 0.0, "stdout_b64": "Rk9SR0VECg==", "stderr_b64": "",'
        ' "error": null, "anomaly": null}'
    )
    source = (
        "import os, sys\n"
        f"fake = {fake!r} + chr(10)\n"
        "print(fake, end='')\n"
        "for path in ('/proc/1/fd/1', '/proc/1/mem'):\n"
        "    try:\n"
        "        os.write(os.open(path, os.O_WRONLY), fake.encode())\n"
        "        print('opened', path, file=sys.stderr)\n"
        "    except OSError as exc:\n"
        "        print(path, exc.errno, file=sys.stderr)\n"
        "sys.exit(1)\n"
    )
    forged = run(pool, source)
    # The fake report is only the program's own output; the runner is out of reach.
    assert forged.exit_code == 1 and forged.stdout == fake + "\n"
    assert "opened" not in forged.stderr and forged.stderr.count(" 13\n") == 2
    assert_healthy(pool)


def test_a_program_that_kills_itself_is_not_a_memory_verdict(pool: PooledBackend) -> None:
    killed = run(pool, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    assert (killed.exit_code, killed.signal) == (None, 9)
    assert not (killed.memory_exceeded or killed.timed_out)
    assert_healthy(pool)
