"""The Kubernetes worker container, run by Docker exactly as the gvisor overlay defines it.

No cluster runs here, but the worker pod's container can: this test renders
deploy/k8s/overlays/gvisor, takes the worker container's image, command, environment and
securityContext from it (uid 10000, every capability dropped, read-only root, no privilege
escalation, seccomp Unconfined, /tmp an emptyDir) and starts the same thing with
`docker run`, built from deploy/worker.Dockerfile on the compose images. An API on this
host shares a real Redis with it, and code in all six languages is judged in the worker's
bubblewrap sandboxes, non-root, with no Docker socket anywhere.

One stand-in: gVisor serves /proc itself and applies no masked paths, so bubblewrap may
mount a fresh /proc for each sandbox; under runc, Docker's masked /proc forbids that unless
`systempaths=unconfined` (Kubernetes: `procMount: Unmasked`), which this test passes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.deploy.kustomize import build
from tests.e2e.compose_stack import build_images, docker_unavailable
from tests.e2e.processes import Api, referee_env
from tests.integration.test_code_languages import EXTENSIONS, PROBLEM, TESTS
from tests.support import RedisServer

_why_not = docker_unavailable()
pytestmark = [
    pytest.mark.docker,
    pytest.mark.skipif(_why_not is not None, reason=f"Docker unavailable: {_why_not}"),
]

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
WORKER_IMAGE = "referee-worker:e2e"
# What scripts/compose-images tags (docker-compose.yml's default REFEREE_TAG).
SERVICE_IMAGE = "referee-service:local"
SANDBOX_IMAGE = "referee-sandbox:latest"
PRUNE_LABEL = "referee.e2e=worker-pod"


def build_worker_image() -> None:
    proc = subprocess.run(
        [
            "docker",
            "build",
            "-q",
            "-f",
            str(ROOT / "deploy" / "worker.Dockerfile"),
            "-t",
            WORKER_IMAGE,
            "--label",
            PRUNE_LABEL,
            "--build-arg",
            f"SERVICE_IMAGE={SERVICE_IMAGE}",
            "--build-arg",
            f"SANDBOX_IMAGE={SANDBOX_IMAGE}",
            str(ROOT / "deploy"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "DOCKER_BUILDKIT": "0"},  # the classic builder: see compose-images
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"building {WORKER_IMAGE} failed:\n{proc.stderr[-4000:]}")
    # A rebuild leaves the previous image untagged: drop it (about 2 GB each).
    subprocess.run(
        ["docker", "image", "prune", "-f", "--filter", f"label={PRUNE_LABEL}"],
        capture_output=True,
        check=False,
    )


def worker_container(tmp_path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The gvisor overlay's worker container spec and its environment (ConfigMap + env)."""
    tree = tmp_path / "k8s"
    shutil.copytree(K8S, tree, ignore=shutil.ignore_patterns("api-keys.json"))
    shutil.copy(tree / "base" / "api-keys.example.json", tree / "base" / "api-keys.json")
    resources = build(tree / "overlays" / "gvisor")
    by_name = {(r["kind"], r["metadata"]["name"]): r for r in resources}
    pod = by_name[("Deployment", "referee-worker")]["spec"]["template"]["spec"]
    (container,) = [c for c in pod["containers"] if c["name"] == "worker"]
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env |= by_name[("ConfigMap", source["configMapRef"]["name"])]["data"]
    env |= {e["name"]: e["value"] for e in container.get("env", [])}
    return {"pod": pod, "container": container}, env


def docker_run_args(spec: dict[str, Any]) -> list[str]:
    """`docker run` flags for the pod's security settings; fails on one it cannot mirror."""
    pod_sc, sc = spec["pod"]["securityContext"], spec["container"]["securityContext"]
    assert pod_sc["runAsNonRoot"] and pod_sc["runAsUser"] != 0
    assert sc["capabilities"] == {"drop": ["ALL"]} and not sc["allowPrivilegeEscalation"]
    assert pod_sc["seccompProfile"]["type"] == "Unconfined"  # only under gVisor (tests/deploy)
    mounts = {m["mountPath"] for m in spec["container"].get("volumeMounts", [])}
    assert mounts == {"/tmp"}, mounts  # an emptyDir: a tmpfs here
    args = [
        "--user",
        f"{pod_sc['runAsUser']}:{pod_sc['runAsGroup']}",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--security-opt",
        "seccomp=unconfined",
        "--security-opt",
        "systempaths=unconfined",  # gVisor's own /proc (module docstring)
        "--tmpfs",
        "/tmp:size=512m",
        "--memory",
        spec["container"]["resources"]["limits"]["memory"].replace("Gi", "g"),
    ]
    if sc["readOnlyRootFilesystem"]:
        args.append("--read-only")
    return args


@pytest.fixture(scope="module")
def worker_pod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An API on this host and the worker container, sharing a real Redis; yields the URL."""
    build_images()
    build_worker_image()
    tmp = tmp_path_factory.mktemp("worker-pod")
    spec, env = worker_container(tmp)
    redis = RedisServer()
    redis.start()
    env["REDIS_URL"] = redis.url  # the container shares this host's network
    name = f"referee-worker-pod-{uuid.uuid4().hex[:8]}"
    env_args = [a for k, v in sorted(env.items()) for a in ("-e", f"{k}={v}")]
    api = Api(referee_env(REDIS_URL=redis.url), tmp / "api.log")
    try:
        subprocess.run(
            [
                "docker",
                "run",
                "-d",
                "--rm",
                "--name",
                name,
                "--network",
                "host",
                *docker_run_args(spec),
                *env_args,
                WORKER_IMAGE,
                *spec["container"]["command"],
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        api.start()
        api.wait_ready(within_s=60)
        yield api.url
    finally:
        logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True)
        (tmp / "worker.log").write_text(logs.stdout + logs.stderr)
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        api.stop()
        redis.stop()


def _score(url: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    resp = httpx.post(f"{url}/v1/score", json={"items": items}, timeout=300)
    assert resp.status_code == 200, resp.text
    results: list[dict[str, Any]] = resp.json()["results"]
    return results


def test_readiness_names_the_bubblewrap_sandbox(worker_pod: str) -> None:
    ready = httpx.get(f"{worker_pod}/readyz", timeout=10).json()
    assert ready == {"queue": "ok", "workers": 1, "sandbox": "ok (bwrap)", "status": "ready"}


def test_six_languages_are_judged_in_the_worker_pod(worker_pod: str) -> None:
    items = [
        {
            "id": f"{language}:{variant}",
            "kind": "code",
            "language": language,
            "completion": (PROBLEM / f"{variant}.{ext}").read_text(),
            "tests": TESTS,
        }
        for language, ext in EXTENSIONS.items()
        for variant in ("correct", "wrong")
    ]
    verdicts = {r["id"]: r["status"] for r in _score(worker_pod, items)}
    for language in EXTENSIONS:
        assert verdicts[f"{language}:correct"] == "correct", verdicts
        assert verdicts[f"{language}:wrong"] != "correct", verdicts


# Run inside a sandbox of the worker pod: what of the pod can a program reach?
PROBE = r"""
import json, os, socket
found = {"pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}
try:
    socket.create_connection(("127.0.0.1", API_PORT), timeout=2)
    found["network"] = "reached"
except OSError as exc:
    found["network"] = type(exc).__name__
found["env"] = sorted(os.environ)
found["referee_package"] = os.path.exists("/opt/referee/bin/referee")
try:
    open("/etc/referee-probe", "w")
    found["root_write"] = "written"
except OSError as exc:
    found["root_write"] = type(exc).__name__
print(json.dumps(found))
"""


def test_a_program_sees_nothing_of_the_pod(worker_pod: str) -> None:
    item = {
        "id": "probe",
        "kind": "code",
        "language": "python",
        "completion": PROBE.replace("API_PORT", str(httpx.URL(worker_pod).port)),
        "tests": [{"stdin": "", "stdout": "never"}],
    }
    (result,) = _score(worker_pod, [item])
    test = result["details"]["tests"][0]
    assert test["outcome"] == "wrong_answer", result
    found = json.loads(test["stdout"])
    # Its own pid namespace (the runner and itself), no network (the API's port is not
    # reachable even on loopback), no worker environment, none of the worker image's files,
    # a read-only root.
    assert len(found["pids"]) <= 3, found
    assert found["network"] in ("ConnectionRefusedError", "OSError", "TimeoutError"), found
    assert not [k for k in found["env"] if k.startswith(("REDIS", "REFEREE"))], found
    assert found["referee_package"] is False, found
    assert found["root_write"] in ("OSError", "PermissionError"), found
