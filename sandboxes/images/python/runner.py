"""The trusted runner inside the sandbox container (stdlib only, runs as the container's PID 1).

Protocol: read one JSON object from stdin:
    {"source": str, "stdin": str, "wall_time_s": float, "output_bytes": int}
write the program to /work, run it as a child in its own process group with ``stdin``,
read its stdout and stderr through pipes (never letting it write to ours), kill the whole
group at the wall limit, and print one JSON envelope on stdout:
    {"exit_code": int|null, "signal": int|null, "timed_out": bool, "output_exceeded": bool,
     "killed_by_runner": bool, "duration_s": float, "stdout_b64": str, "stderr_b64": str}
"""

import base64
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time

PROGRAM = "/work/main.py"
READ_CHUNK = 65536


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Files the program writes go to the size-capped tmpfs; this caps each one too.
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024 * 1024, 64 * 1024 * 1024))


def _drain(stream, cap, sink, overflow, proc_group):
    total = 0
    while True:
        chunk = stream.read1(READ_CHUNK) if hasattr(stream, "read1") else stream.read(READ_CHUNK)
        if not chunk:
            return
        keep = max(0, cap - total)
        if keep:
            sink.append(chunk[:keep])
        total += len(chunk)
        if total > cap and not overflow.is_set():
            overflow.set()
            _kill_group(proc_group)


def _kill_group(pgid):
    """Kill the program and everything it started, even what left its process group."""
    try:
        if os.getpid() == 1:
            # As the container's init, kill(-1) reaches every other process in it: a
            # daemon that called setsid() cannot escape.
            os.kill(-1, signal.SIGKILL)
        else:
            os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main() -> None:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    with open(PROGRAM, "w", encoding="utf-8") as f:
        f.write(request["source"])
    cap = int(request["output_bytes"])
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-u", PROGRAM],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd="/work",
        env={
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/work",
            "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
        },
        start_new_session=True,
        preexec_fn=_limit_child,
    )
    overflow = threading.Event()
    out, err = [], []
    readers = [
        threading.Thread(target=_drain, args=(proc.stdout, cap, out, overflow, proc.pid)),
        threading.Thread(target=_drain, args=(proc.stderr, cap, err, overflow, proc.pid)),
    ]
    for reader in readers:
        reader.daemon = True
        reader.start()

    def feed():
        try:
            proc.stdin.write(request["stdin"].encode("utf-8"))
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    threading.Thread(target=feed, daemon=True).start()
    timed_out = False
    try:
        proc.wait(timeout=float(request["wall_time_s"]))
    except subprocess.TimeoutExpired:
        timed_out = True
    # Whatever the program left behind (background children) dies with its group.
    _kill_group(proc.pid)
    proc.wait()
    for reader in readers:
        reader.join(timeout=2)
    duration = time.monotonic() - started
    code = proc.returncode
    envelope = {
        "exit_code": code if code >= 0 else None,
        "signal": -code if code < 0 else None,
        "timed_out": timed_out,
        "output_exceeded": overflow.is_set(),
        "killed_by_runner": timed_out or overflow.is_set(),
        "duration_s": duration,
        "stdout_b64": base64.b64encode(b"".join(out)).decode("ascii"),
        "stderr_b64": base64.b64encode(b"".join(err)).decode("ascii"),
    }
    sys.stdout.write(json.dumps(envelope) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
