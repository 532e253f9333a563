"""Hostile programs, at the backend: each is contained, flagged, and never looks like a pass,
and the same pool (one sandbox, so the very next program meets whatever was left) answers
a normal program correctly right after. Run against Docker and bubblewrap alike."""

from __future__ import annotations

import platform
import signal
import time
from collections.abc import Iterator

import pytest
from referee_sandboxes import Execution, Limits, PooledBackend, RunSpec
from referee_sandboxes.docker import TMPFS_INODES

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
    """The pool still answers correctly, with a clean work dir and scratch (files, shared
    memory, message queues), after whatever ran before."""
    spec = RunSpec(
        language="python",
        source=(
            "import os\nprint(input()[::-1], sorted(os.listdir('.')),\n"
            "      *(os.listdir(top) for top in ('/tmp', '/dev/shm', '/dev/mqueue')))"
        ),
        stdin="abc\n",
        limits=LIMITS,
    )
    after = pool.run(spec)
    assert (after.exit_code, after.stdout) == (0, "cba ['main.py'] [] [] []\n"), after


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


# Hard links to one file in the work dir and both scratch dirs, for 3 s or until each tmpfs
# runs out of inodes: a million entries where nothing caps them.
LINK_FLOOD = (
    "import os, time\n"
    "tops = ['/work/', '/tmp/', '/dev/shm/']\n"
    "for top in tops:\n"
    "    open(top + 'seed', 'w').close()\n"
    "made, end = 0, time.monotonic() + 3\n"
    "while tops and time.monotonic() < end:\n"
    "    for top in list(tops):\n"
    "        try:\n"
    "            for _ in range(500):\n"
    "                os.link(top + 'seed', top + str(made))\n"
    "                made += 1\n"
    "        except OSError:\n"
    "            tops.remove(top)\n"
    "print(made)\n"
)


def test_a_flood_of_links_costs_the_next_program_none_of_its_time(pool: PooledBackend) -> None:
    before = dict(pool.recycled)
    flood = run(pool, LINK_FLOOD, wall_time_s=6.0)
    assert flood.exit_code == 0 and int(flood.stdout) > 10_000, flood
    # The wipe of all that happens before the next program's clock starts.
    honest = pool.run(
        RunSpec(
            language="python",
            source="print(int(input()) * 2)",
            stdin="21\n",
            limits=_limits(wall_time_s=1.0),
        )
    )
    assert (honest.exit_code, honest.stdout, honest.timed_out) == (0, "42\n", False), honest
    assert honest.duration_s < 1.0
    recycled = {k: v - before.get(k, 0) for k, v in pool.recycled.items() if v != before.get(k)}
    if pool.name == "docker":
        # Inode caps (links count): the flood stops early and its wipe takes milliseconds.
        assert int(flood.stdout) <= 3 * TMPFS_INODES and not recycled
    else:
        # No inode cap on bwrap's tmpfs: the wipe overran its budget and the sandbox went.
        assert recycled == {"the workspace wipe did not finish within 1.0 s": 1}
    assert_healthy(pool)


def test_a_tree_the_wipe_cannot_remove_recycles_the_sandbox(pool: PooledBackend) -> None:
    before = sum(pool.recycled.values())
    deep = run(
        pool,
        "import os\nos.chdir('/tmp')\nfor _ in range(2000):\n    os.mkdir('d')\n    os.chdir('d')",
    )
    assert deep.exit_code == 0
    assert_healthy(pool)  # on a fresh sandbox: this one's wipe failed, and it went
    assert sum(pool.recycled.values()) == before + 1
    assert any("workspace wipe failed" in reason for reason in pool.recycled)


MQUEUE = (
    "import ctypes, os\n"
    "rt = ctypes.CDLL('librt.so.1', use_errno=True)\n"
    "rt.mq_open.restype = ctypes.c_int\n"
)


def test_a_message_queue_does_not_reach_the_next_program(pool: PooledBackend) -> None:
    sent = run(
        pool,
        MQUEUE + "q = rt.mq_open(b'/left', os.O_CREAT | os.O_RDWR, 0o600, None)\n"
        "print(q >= 0, rt.mq_send(q, b'from the last item', 18, 0))",
    )
    assert sent.stdout == "True 0\n", sent
    looked = run(pool, MQUEUE + "print(rt.mq_open(b'/left', os.O_RDWR), ctypes.get_errno())")
    assert looked.stdout == "-1 2\n", looked  # ENOENT
    assert_healthy(pool)


# add_key(2)/keyctl(2) numbers on x86-64; the keyrings: session -3, user -4, user session -5.
KEYRING = (
    "import ctypes\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "libc.syscall.restype = ctypes.c_long\n"
    "def report(result):\n"
    "    print(result, ctypes.get_errno() if result < 0 else 0)\n"
)


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 system call numbers")
def test_the_kernel_keyrings_are_out_of_reach(pool: PooledBackend) -> None:
    # A key in the uid's keyrings would outlive the execution (they are outside every
    # namespace), and the session keyring is the host process's own: no key call works.
    added = run(
        pool,
        KEYRING + "for ring in (-3, -4, -5):\n"
        "    report(libc.syscall(248, b'user', b'left', b'secret', 6, ctypes.c_int(ring)))\n"
        "report(libc.syscall(250, 6, ctypes.c_int(-3), None, 0))\n",  # KEYCTL_DESCRIBE
    )
    assert added.stdout == "-1 1\n" * 4, added  # EPERM
    searched = run(
        pool,
        KEYRING + "for ring in (-3, -4, -5):\n"
        "    report(libc.syscall(250, 10, ctypes.c_int(ring), b'user', b'left', 0))\n",
    )
    assert searched.stdout == "-1 1\n" * 3, searched  # KEYCTL_SEARCH: EPERM, nothing found
    assert_healthy(pool)


# keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) by hand under each x86 ABI: no
# pointers, so only a filter (or a kernel without the ABI) makes it fail.
KEYCTL_EVERY_ABI = r"""
#include <stdio.h>
int main(void) {
  long r;
  __asm__ volatile ("syscall" : "=a"(r) : "0"(0x40000000L | 250), "D"(0L), "S"(-3L), "d"(0L)
                    : "rcx", "r11", "memory");
  printf("x32 %ld\n", r);
  __asm__ volatile ("syscall" : "=a"(r) : "0"(250L), "D"(0L), "S"(-3L), "d"(0L)
                    : "rcx", "r11", "memory");
  printf("x86-64 %ld\n", r);
  fflush(stdout);
  int e;  /* a kernel without i386 emulation ends the program here (SIGSEGV) */
  __asm__ volatile ("int $0x80" : "=a"(e) : "0"(288), "b"(0), "c"(-3), "d"(0) : "memory");
  printf("i386 %d\n", e);
  return 0;
}
"""


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 system call numbers")
def test_the_key_calls_are_refused_under_every_x86_abi(pool: PooledBackend) -> None:
    probe = run(pool, KEYCTL_EVERY_ABI, "c")
    lines = probe.stdout.splitlines()
    assert lines[:2] == ["x32 -1", "x86-64 -1"], probe  # -EPERM, not the keyring's id
    assert lines[2:] == ["i386 -1"] or (probe.signal == signal.SIGSEGV and len(lines) == 2)
    assert_healthy(pool)


@pytest.mark.parametrize(
    ("lang", "source"),
    [
        # Buffers live outside V8's heap: --max-old-space-size never sees them.
        ("javascript", "const b = Buffer.alloc(300 << 20, 1);\nconsole.log(b.length);"),
        # A child process over the limit, orphaned: it is reaped by the runner, not the program.
        (
            "javascript",
            "const child = require('child_process').spawn(process.execPath, ['-e',\n"
            "  'const b = Buffer.alloc(300 << 20, 1); console.log(1); setTimeout(Object, 1e6)'],\n"
            "  {stdio: ['ignore', 'pipe', 'ignore']});\n"
            "child.stdout.on('data', () => { console.log('spawned'); process.exit(0); });\n",
        ),
        # Direct buffers are outside -Xmx (their own cap defaults to the heap's size).
        (
            "java",
            "import java.nio.ByteBuffer;\n"
            "public class Main { public static void main(String[] a) {\n"
            "  ByteBuffer b = ByteBuffer.allocateDirect(120 << 20);\n"
            "  for (int i = 0; i < b.capacity(); i += 4096) b.put(i, (byte) 1);\n"
            "  System.out.println(b.capacity()); } }",
        ),
    ],
)
def test_memory_no_flag_or_rlimit_caps_still_counts(
    pool: PooledBackend, lang: str, source: str
) -> None:
    over = run(pool, source, lang, wall_time_s=10.0)
    # It exits 0 with the right output, yet its peak resident set passed the limit.
    assert over.exit_code == 0 and over.stdout.strip(), over
    assert over.memory_kb is not None and over.memory_kb > LIMITS.memory_mb * 1024
    assert over.memory_exceeded
    assert_healthy(pool)


@pytest.mark.parametrize(
    ("lang", "source"),
    [
        ("javascript", "const b = Buffer.alloc(16 << 20, 1);\nconsole.log(b.length);"),
        (
            "java",
            "public class Main { public static void main(String[] a) {\n"
            "  long[] l = new long[2 << 20]; System.out.println(l.length); } }",
        ),
    ],
)
def test_a_runtime_within_the_limit_is_not_a_memory_verdict(
    pool: PooledBackend, lang: str, source: str
) -> None:
    fine = run(pool, source, lang, wall_time_s=10.0)
    assert fine.exit_code == 0 and not fine.memory_exceeded, fine
