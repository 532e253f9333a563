"""deploy/k8s, validated offline: every overlay renders, every resource passes the Kubernetes
schemas (kubernetes-validate, strict: unknown fields are errors), KEDA's ScaledObject passes
a schema of its own, and the deployment's invariants hold.

Rendering: tests/deploy/kustomize.py (pure Python, always); where `kubectl kustomize` is
installed its output must equal ours. No cluster is involved anywhere.
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]
from referee_service import keys
from referee_service.settings import Settings, unknown_env_names

from tests.deploy.kustomize import Resource, build

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if p.is_dir())
# The oldest Kubernetes the manifests target (native sidecars in overlays/dind need 1.29)
# and the newest schemas kubernetes-validate ships.
K8S_VERSIONS = ["1.29.0", kubernetes_validate.latest_version()]
# Created by the operator, not by the manifests (see components/external-redis).
EXTERNAL_SECRETS = {"referee-redis-url"}

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def k8s_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of deploy/k8s with the example keys file in place of the operator's own."""
    tree = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, tree, ignore=shutil.ignore_patterns("api-keys.json"))
    shutil.copy(tree / "base" / "api-keys.example.json", tree / "base" / "api-keys.json")
    return tree


@pytest.fixture(scope="module")
def rendered(k8s_tree: Path) -> dict[str, list[Resource]]:
    return {name: build(k8s_tree / "overlays" / name) for name in OVERLAYS}


def test_there_are_overlays() -> None:
    assert {"gvisor", "dind"} <= set(OVERLAYS)


# --- rendering ----------------------------------------------------------------------------


def _kubectl_kustomize() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        probe = subprocess.run(["kubectl", "kustomize", "--help"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["kubectl", "kustomize"]
    return None


def _decoded_secrets(resources: list[Resource]) -> list[Resource]:
    """Secret data compared decoded: kustomize wraps its base64 at 70 columns, we do not."""
    for r in resources:
        if r["kind"] == "Secret":
            r["data"] = {k: base64.b64decode(v) for k, v in r.get("data", {}).items()}
    return resources


def _by_id(resources: list[Resource]) -> dict[tuple[str, str, str], Resource]:
    ids = {
        (r["kind"], r["metadata"].get("namespace", ""), r["metadata"]["name"]): r for r in resources
    }
    assert len(ids) == len(resources), "two resources with the same kind, namespace and name"
    return ids


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_python_renderer_matches_kustomize(
    overlay: str, k8s_tree: Path, rendered: dict[str, list[Resource]]
) -> None:
    command = _kubectl_kustomize()
    if command is None:
        pytest.skip("no kustomize or kubectl here: the pure-Python render stands alone")
    out = subprocess.run(
        [*command, str(k8s_tree / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    theirs = _by_id(_decoded_secrets([d for d in yaml.safe_load_all(out.stdout) if d]))
    ours = _by_id(_decoded_secrets(copy.deepcopy(rendered[overlay])))
    assert sorted(ours) == sorted(theirs)
    for rid, resource in ours.items():
        assert resource == theirs[rid], rid


# --- schemas ------------------------------------------------------------------------------

# KEDA publishes no schema kubernetes-validate knows; this one covers the fields used here
# (keda.sh/v1alpha1 ScaledObject, KEDA 2.12+ for redis-streams lagCount) and rejects others.
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
SCALED_OBJECT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["scaleTargetRef", "triggers"],
            "properties": {
                "scaleTargetRef": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {k: {"type": "string"} for k in ("name", "kind", "apiVersion")},
                },
                **{
                    k: {"type": "integer", "minimum": 0}
                    for k in (
                        "minReplicaCount",
                        "maxReplicaCount",
                        "idleReplicaCount",
                        "pollingInterval",
                        "cooldownPeriod",
                    )
                },
                "advanced": {"type": "object"},
                "fallback": {"type": "object"},
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["type", "metadata"],
                        "properties": {
                            "type": {"type": "string"},
                            "name": {"type": "string"},
                            "metadata": _STRING_MAP,
                            "authenticationRef": {"type": "object"},
                        },
                        # redis-streams: an address, a stream, and one scaling mode.
                        "if": {"properties": {"type": {"const": "redis-streams"}}},
                        "then": {
                            "properties": {
                                "metadata": {
                                    "required": ["address", "stream"],
                                    "oneOf": [
                                        {"required": ["lagCount", "consumerGroup"]},
                                        {"required": ["pendingEntriesCount", "consumerGroup"]},
                                        {"required": ["streamLength"]},
                                    ],
                                }
                            }
                        },
                    },
                },
            },
        },
    },
}


def _all_resources(rendered: dict[str, list[Resource]]) -> Iterator[tuple[str, Resource]]:
    for overlay, resources in rendered.items():
        for resource in resources:
            yield overlay, resource


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_resource_passes_the_kubernetes_schemas(
    version: str, rendered: dict[str, list[Resource]]
) -> None:
    checked = 0
    for overlay, resource in _all_resources(rendered):
        if resource["apiVersion"].startswith("keda.sh/"):
            continue  # its own schema, below
        try:
            kubernetes_validate.validate(resource, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{overlay}: {resource['kind']}/{resource['metadata']['name']}: {exc}")
        checked += 1
    assert checked > 30


def test_scaled_objects_pass_the_keda_schema(rendered: dict[str, list[Resource]]) -> None:
    scaled = [r for _, r in _all_resources(rendered) if r["kind"] == "ScaledObject"]
    assert scaled, "no overlay scales with KEDA"
    for resource in scaled:
        jsonschema.validate(resource, SCALED_OBJECT_SCHEMA)


def test_the_keda_schema_rejects_a_bad_trigger() -> None:
    """The schema above is not vacuous: a stream trigger with no scaling mode fails."""
    bad = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "x"},
        "spec": {
            "scaleTargetRef": {"name": "w"},
            "triggers": [
                {"type": "redis-streams", "metadata": {"address": "r:6379", "stream": "s"}}
            ],
        },
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCALED_OBJECT_SCHEMA)


# --- invariants ---------------------------------------------------------------------------


def _pod_specs(resources: list[Resource]) -> Iterator[tuple[str, dict[str, Any]]]:
    for r in resources:
        if r["kind"] in ("Deployment", "StatefulSet"):
            yield r["metadata"]["name"], r["spec"]["template"]["spec"]


def _find(resources: list[Resource], kind: str, name: str) -> Resource:
    matches = [r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def _container(resources: list[Resource], deployment: str, name: str) -> dict[str, Any]:
    spec = _find(resources, "Deployment", deployment)["spec"]["template"]["spec"]
    return next(c for c in spec["containers"] if c["name"] == name)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_resources_and_probes(
    overlay: str, rendered: dict[str, list[Resource]]
) -> None:
    for workload, spec in _pod_specs(rendered[overlay]):
        sidecars = [c for c in spec.get("initContainers", []) if c.get("restartPolicy") == "Always"]
        run_once = [c for c in spec.get("initContainers", []) if c not in sidecars]
        for c in spec["containers"] + spec.get("initContainers", []):
            where = f"{workload}/{c['name']}"
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c.get("resources", {}).get(bound, {})), where
            if c in run_once:
                continue  # runs to completion before the pod starts: probes do not apply
            assert "readinessProbe" in c and "livenessProbe" in c, where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_latest_or_untagged_images(overlay: str, rendered: dict[str, list[Resource]]) -> None:
    for workload, spec in _pod_specs(rendered[overlay]):
        for c in spec["containers"] + spec.get("initContainers", []):
            image = c["image"]
            tag = image.rpartition(":")[2] if "@" not in image else "digest"
            assert "/" not in tag and tag not in ("", "latest"), f"{workload}: {image}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_worker_egress_is_denied_except_redis_and_dns(
    overlay: str, rendered: dict[str, list[Resource]]
) -> None:
    resources = rendered[overlay]
    worker_labels = _find(resources, "Deployment", "referee-worker")["spec"]["template"][
        "metadata"
    ]["labels"]
    policies = [
        p
        for p in resources
        if p["kind"] == "NetworkPolicy"
        and p["spec"]["podSelector"].get("matchLabels", {}).items() <= worker_labels.items()
        and "Egress" in p["spec"].get("policyTypes", [])
    ]
    assert policies, "no egress policy selects the workers"
    # The dind sidecar pulls the sandbox image over HTTPS; nothing else may leave the pod.
    allowed_ports = {6379, 53} | ({443} if overlay == "dind" else set())
    for policy in policies:
        assert policy["spec"].get("ingress", []) == [], "nothing may connect to a worker"
        for rule in policy["spec"].get("egress", []):
            # A rule without `to` or `ports` allows every destination or every port.
            assert rule.get("to") and rule.get("ports"), rule
            assert {p["port"] for p in rule["ports"]} <= allowed_ports, rule
            for peer in rule["to"]:
                assert peer, "an empty peer matches every pod"
                cidr = peer.get("ipBlock", {}).get("cidr")
                assert cidr not in ("0.0.0.0/0", "::/0"), rule


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_sandbox_isolation(overlay: str, rendered: dict[str, list[Resource]]) -> None:
    """No Docker socket from the node; seccomp is relaxed only under gVisor; the only
    privileged container is the dind sidecar that its overlay documents."""
    resources = rendered[overlay]
    runtime_classes = {r["metadata"]["name"]: r for r in resources if r["kind"] == "RuntimeClass"}
    for workload, spec in _pod_specs(resources):
        assert not any("hostPath" in v for v in spec.get("volumes", [])), workload
        seccomp = spec.get("securityContext", {}).get("seccompProfile", {}).get("type")
        if seccomp == "Unconfined":
            runtime = spec.get("runtimeClassName")
            assert runtime in runtime_classes, f"{workload}: Unconfined outside gVisor"
            assert runtime_classes[runtime]["handler"] == "runsc"
        for c in spec["containers"] + spec.get("initContainers", []):
            privileged = c.get("securityContext", {}).get("privileged", False)
            assert not privileged or (overlay == "dind" and c["name"] == "dind"), c["name"]
    worker = _container(resources, "referee-worker", "worker")
    backend = {e["name"]: e.get("value") for e in worker.get("env", [])}["REFEREE_SANDBOX__BACKEND"]
    assert backend == ("docker" if overlay == "dind" else "bwrap")
    # bubblewrap needs the sandbox file tree, which only deploy/worker.Dockerfile's image
    # carries (tests/e2e/test_worker_pod.py runs that image as this container).
    assert worker["image"].rpartition(":")[0].endswith("/referee-worker"), worker["image"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_settings_in_the_manifests_are_real_settings(
    overlay: str, rendered: dict[str, list[Resource]]
) -> None:
    """Every REFEREE_* name exists (the service refuses unknown ones) and every literal
    value is accepted by the service's own settings model."""
    resources = rendered[overlay]
    config = _find(resources, "ConfigMap", "referee-config")["data"]
    for deployment, container in (("referee-api", "api"), ("referee-worker", "worker")):
        c = _container(resources, deployment, container)
        env = dict(config) | {e["name"]: e["value"] for e in c.get("env", []) if "value" in e}
        assert unknown_env_names(env) == [], f"{deployment}: {unknown_env_names(env)}"
        # The keys file is checked for existence at start-up, so it is not validated here;
        # other variables (DOCKER_HOST) are not the service's settings.
        values = {
            k: v
            for k, v in env.items()
            if (k.startswith("REFEREE_") or k == "REDIS_URL") and k != "REFEREE_API_KEYS_FILE"
        }
        nested: dict[str, Any] = {}
        for name, value in values.items():
            path = name.removeprefix("REFEREE_").lower().split("__")
            if name == "REDIS_URL":
                path = ["redis_url"]
            target = nested
            for part in path[:-1]:
                target = target.setdefault(part, {})
            target[path[-1]] = value
        Settings.model_validate(nested)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_api_keys_secret_is_mounted_where_the_setting_points(
    overlay: str, rendered: dict[str, list[Resource]]
) -> None:
    resources = rendered[overlay]
    api = _find(resources, "Deployment", "referee-api")["spec"]["template"]
    c = _container(resources, "referee-api", "api")
    keys_file = {e["name"]: e.get("value") for e in c["env"]}["REFEREE_API_KEYS_FILE"]
    mount = next(m for m in c["volumeMounts"] if keys_file.startswith(m["mountPath"] + "/"))
    volume = next(v for v in api["spec"]["volumes"] if v["name"] == mount["name"])
    secret = _find(resources, "Secret", volume["secret"]["secretName"])
    content = json.loads(base64.b64decode(secret["data"][Path(keys_file).name]))
    for entry in content.values():
        assert set(entry) <= {"tenant", "max_in_flight"} and entry["tenant"]
    # Prometheus scrapes the API's /metrics on the port it serves.
    notes = api["metadata"]["annotations"]
    assert notes["prometheus.io/scrape"] == "true" and notes["prometheus.io/path"] == "/metrics"
    assert int(notes["prometheus.io/port"]) in {p["containerPort"] for p in c["ports"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_references_resolve(overlay: str, rendered: dict[str, list[Resource]]) -> None:
    """Secrets, ConfigMaps and scale targets named anywhere exist; Services select pods."""
    resources = rendered[overlay]
    names = {(r["kind"], r["metadata"]["name"]) for r in resources}
    text = json.dumps(resources)
    for r in resources:
        for ref in _refs(r, "secretKeyRef") + _refs(r, "secret"):
            name = ref.get("name") or ref.get("secretName")
            assert ("Secret", name) in names or name in EXTERNAL_SECRETS, name
        for ref in _refs(r, "configMapRef"):
            assert ("ConfigMap", ref["name"]) in names, ref
        if r["kind"] in ("ScaledObject", "HorizontalPodAutoscaler"):
            assert ("Deployment", r["spec"]["scaleTargetRef"]["name"]) in names
        if r["kind"] == "Service":
            selector = r["spec"]["selector"].items()
            pods = [s for s in resources if s["kind"] in ("Deployment", "StatefulSet")]
            assert any(
                selector <= p["spec"]["template"]["metadata"]["labels"].items() for p in pods
            )
    assert "referee-redis-url" in text or ("StatefulSet", "referee-redis") in names


def _refs(node: Any, key: str) -> list[dict[str, Any]]:
    """Every mapping found under ``key`` anywhere in ``node``."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, dict):
                found.append(v)
            found += _refs(v, key)
    elif isinstance(node, list):
        for item in node:
            found += _refs(item, key)
    return found


def test_keda_watches_the_streams_the_workers_read(rendered: dict[str, list[Resource]]) -> None:
    """Stream and group names come from the service's own key builders, and every tenant of
    the example keys file (and the open service's `default`) has a trigger."""
    example = json.loads((K8S / "base" / "api-keys.example.json").read_text())
    tenants = {e["tenant"] for e in example.values()} | {"default"}
    for overlay, resources in rendered.items():
        for scaled in (r for r in resources if r["kind"] == "ScaledObject"):
            streams = {t["metadata"]["stream"] for t in scaled["spec"]["triggers"]}
            assert streams == {keys.job_stream(t) for t in tenants}, overlay
            for trigger in scaled["spec"]["triggers"]:
                assert trigger["metadata"]["consumerGroup"] == keys.WORKER_GROUP
                host = trigger["metadata"]["address"].split(":")[0]
                service, namespace = host.split(".")[:2]
                assert ("Service", service) in {
                    (r["kind"], r["metadata"]["name"]) for r in resources
                }
                assert (
                    namespace
                    == _find(resources, "Deployment", "referee-worker")["metadata"]["namespace"]
                )
            # The API is unready without a live worker: scaling to zero would deadlock.
            assert scaled["spec"]["minReplicaCount"] >= 1
