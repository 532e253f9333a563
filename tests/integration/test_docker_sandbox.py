"""The Docker backend on the real engine: programs run, limits hold, hostile code is contained."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import docker
import pytest
from referee_sandboxes import DockerBackend, Execution, Limits, RunSpec, SandboxUnavailable

from tests.support import free_port

pytestmark = pytest.mark.docker

FAST = Limits(wall_time_s=2.0, memory_mb=128, pids=32, output_bytes=10_000)


def run(backend: DockerBackend, source: str, stdin: str = "", limits: Limits = FAST) -> Execution:
    return backend.run(RunSpec(language="python", source=source, stdin=stdin, limits=limits))


def sandbox_containers() -> set[str]:
    """Ids of the containers the Docker backend made that still exist."""
    client = docker.from_env()
    try:
        return {
            c.id for c in client.containers.list(all=True, filters={"label": "referee.sandbox"})
        }
    finally:
        client.close()


def assert_healthy(backend: DockerBackend) -> None:
    """The sandbox still answers correctly after whatever ran before."""
    after = run(backend, "print(input()[::-1])", "abc\n")
    assert (after.exit_code, after.stdout) == (0, "cba\n")


def test_stdout_stdin_and_exit_codes(docker_backend: DockerBackend) -> None:
    assert run(docker_backend, "print('hello')").stdout == "hello\n"
    assert run(docker_backend, "print(int(input()) + 1)", "41\n").stdout == "42\n"
    failed = run(docker_backend, "import sys\nprint('bad', file=sys.stderr)\nsys.exit(3)")
    assert (failed.exit_code, failed.stderr) == (3, "bad\n")


def test_an_infinite_loop_is_killed_at_the_wall_limit(docker_backend: DockerBackend) -> None:
    spun = run(docker_backend, "while True:\n    pass")
    assert spun.timed_out and spun.exit_code is None
    assert spun.duration_s < FAST.wall_time_s + 1.5
    assert_healthy(docker_backend)


def test_sleeping_forever_is_a_timeout(docker_backend: DockerBackend) -> None:
    assert run(docker_backend, "import time\ntime.sleep(3600)").timed_out


def test_a_memory_hog_hits_the_memory_limit(docker_backend: DockerBackend) -> None:
    hog = run(docker_backend, "blocks = [bytearray(1 << 20) for _ in range(1024)]")
    assert hog.memory_exceeded and not hog.timed_out
    assert (hog.exit_code, hog.signal) == (None, 9)
    assert_healthy(docker_backend)


def test_a_flood_of_output_is_cut_at_the_limit(docker_backend: DockerBackend) -> None:
    flood = run(docker_backend, "while True:\n    print('x' * 1000)")
    assert flood.output_exceeded and not flood.timed_out
    assert flood.stdout == ("x" * 1000 + "\n") * 9 + "x" * (FAST.output_bytes - 9 * 1001)


def test_there_is_no_network(docker_backend: DockerBackend) -> None:
    probe = run(
        docker_backend,
        "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=1)",
    )
    assert probe.exit_code != 0 and "OSError" in probe.stderr


def test_the_root_filesystem_is_read_only_and_the_user_is_not_root(
    docker_backend: DockerBackend,
) -> None:
    who = run(docker_backend, "import os\nprint(os.getuid(), os.getgid())")
    assert who.stdout.split() == ["10001", "10001"]
    write = run(docker_backend, "open('/etc/owned', 'w').write('x')")
    assert write.exit_code != 0 and "Read-only file system" in write.stderr
    scratch = run(
        docker_backend, "open('/work/s.txt', 'w').write('ok')\nprint(open('/work/s.txt').read())"
    )
    assert scratch.stdout == "ok\n"


def test_host_files_and_secrets_are_not_visible(docker_backend: DockerBackend) -> None:
    look = run(
        docker_backend,
        "import os\nprint(sorted(os.environ))\nprint(os.path.exists('/work/main/README.md'))",
    )
    env_names, host_file = look.stdout.splitlines()
    assert "REDIS_URL" not in env_names and "AWS" not in env_names
    assert host_file == "False"


def test_a_fork_bomb_is_contained(docker_backend: DockerBackend) -> None:
    bomb = run(
        docker_backend,
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
    )
    # Contained by the pids limit and killed at the wall limit; the runner itself survives.
    assert bomb.timed_out or bomb.memory_exceeded
    assert "without a report" not in bomb.stderr
    assert_healthy(docker_backend)


def test_a_background_process_does_not_outlive_the_run(docker_backend: DockerBackend) -> None:
    source = (
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
        " start_new_session=True)\n"
        "print('left it running')"
    )
    started = run(docker_backend, source)
    assert started.stdout == "left it running\n"
    assert started.duration_s < FAST.wall_time_s + 1.5


def test_runs_from_several_threads_at_once(docker_backend: DockerBackend) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        outputs = list(
            pool.map(lambda i: run(docker_backend, f"print({i} * {i})").stdout, range(8))
        )
    assert outputs == [f"{i * i}\n" for i in range(8)]


def test_a_missing_image_is_unavailable_naming_the_fix() -> None:
    backend = DockerBackend(image="referee-no-such-image:latest")
    with pytest.raises(SandboxUnavailable, match="scripts/setup"):
        backend.check()
    with pytest.raises(SandboxUnavailable, match="scripts/setup"):
        run(backend, "print(1)")
    backend.close()


def test_the_program_cannot_forge_the_runner_report(docker_backend: DockerBackend) -> None:
    fake = (
        '{"exit_code": 0, "signal": null, "timed_out": false, "output_exceeded": false,'
        ' "killed_by_runner": false, "oom_kills": 0, "duration_s": 0.0,'
        ' "stdout_b64": "Rk9SR0VECg==", "stderr_b64": ""}'
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
    forged = run(docker_backend, source)
    # The fake envelope is only the program's own output; the runner is out of reach.
    assert forged.exit_code == 1 and forged.stdout == fake + "\n"
    assert "opened" not in forged.stderr and forged.stderr.count(" 13\n") == 2


def test_a_program_that_kills_itself_is_not_a_memory_verdict(
    docker_backend: DockerBackend,
) -> None:
    killed = run(docker_backend, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    assert (killed.exit_code, killed.signal) == (None, 9)
    assert not (killed.memory_exceeded or killed.timed_out)


def test_a_hung_runner_is_killed_by_the_host(hung_runner_image: str) -> None:
    backend = DockerBackend(image=hung_runner_image, host_margin_s=0.5)
    before = sandbox_containers()
    try:
        hung = run(backend, "print('never runs')", limits=Limits(wall_time_s=1.0))
    finally:
        backend.close()
    assert hung.timed_out and hung.exit_code is None and hung.stdout == ""
    assert hung.duration_s < 1.0 + 0.5 + 2.0
    assert sandbox_containers() <= before


def test_no_container_outlives_its_run(docker_backend: DockerBackend) -> None:
    before = sandbox_containers()
    run(docker_backend, "print('ok')")
    run(docker_backend, "while True:\n    pass", limits=Limits(wall_time_s=0.5))
    run(docker_backend, "raise SystemExit(2)")
    assert sandbox_containers() <= before


def test_an_unreachable_engine_is_unavailable_naming_the_fix() -> None:
    nowhere = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    backend = DockerBackend(client_factory=lambda: docker.DockerClient(base_url=nowhere, timeout=2))
    with pytest.raises(SandboxUnavailable, match=r"Docker engine unreachable.*scripts/setup"):
        backend.check()
    with pytest.raises(SandboxUnavailable, match="scripts/setup"):
        run(backend, "print(1)")
    backend.close()
