"""A small, offline kustomize: exactly the features deploy/k8s uses, and a loud error for any other.

Why not only the real one: CI machines need not have `kustomize` or `kubectl` (Debian has
no kustomize package; its kubernetes-client is 1.20, older than the components feature).
Where `kubectl kustomize` exists, tests/deploy compares its output with this renderer's,
so the two cannot drift apart silently.

Supported: `resources` (files and directories), `components`, `secretGenerator` with
`files` and `generatorOptions.disableNameSuffixHash: true`, `patches` (strategic merge
by path, `$patch: delete`), `namespace`, `images`. Applied in kustomize's order:
resources, components, generators, then patches, namespace, images.
"""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # no stubs installed; only safe_load* used

Resource = dict[str, Any]

SUPPORTED_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "components",
    "secretGenerator",
    "generatorOptions",
    "patches",
    "namespace",
    "images",
}
CLUSTER_SCOPED = {
    "Namespace",
    "RuntimeClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "StorageClass",
}
# Strategic-merge keys of the lists the patches touch; any other list is replaced whole,
# as Kubernetes' own schemas say for NetworkPolicy rules, args, command...
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
}
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


class UnsupportedFeature(Exception):
    """The kustomization uses something this renderer does not implement."""


def build(directory: Path) -> list[Resource]:
    """Render the Kustomization in ``directory``."""
    kustomization = _load_kustomization(directory)
    if kustomization.get("kind", "Kustomization") != "Kustomization":
        raise UnsupportedFeature(f"{directory} is a {kustomization['kind']}, not a Kustomization")
    return _apply(directory, kustomization, [])


def _load_kustomization(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(data) - SUPPORTED_KEYS
    if unknown:
        raise UnsupportedFeature(f"{directory}: {', '.join(sorted(unknown))}")
    return data


def _load_documents(path: Path) -> list[Resource]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _apply(directory: Path, k: dict[str, Any], accumulated: list[Resource]) -> list[Resource]:
    resources = accumulated
    for entry in k.get("resources", []):
        path = directory / entry
        resources += build(path) if path.is_dir() else _load_documents(path)
    for entry in k.get("components", []):
        component_dir = directory / entry
        component = _load_kustomization(component_dir)
        if component.get("kind") != "Component":
            raise UnsupportedFeature(f"{component_dir} is not a Component")
        resources = _apply(component_dir, component, resources)
    resources += _secrets(directory, k)
    for patch in k.get("patches", []):
        if set(patch) != {"path"}:
            raise UnsupportedFeature(f"{directory}: patch with {sorted(patch)} (only `path`)")
        for document in _load_documents(directory / patch["path"]):
            resources = _patch(resources, document)
    if "namespace" in k:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource["metadata"]["namespace"] = k["namespace"]
    for image in k.get("images", []):
        for container in _containers(resources):
            _retag(container, image)
    return resources


def _secrets(directory: Path, k: dict[str, Any]) -> list[Resource]:
    generators = k.get("secretGenerator", [])
    if generators and not k.get("generatorOptions", {}).get("disableNameSuffixHash"):
        raise UnsupportedFeature("secretGenerator needs disableNameSuffixHash: true here")
    secrets = []
    for generator in generators:
        if set(generator) - {"name", "files"}:
            raise UnsupportedFeature(f"secretGenerator fields {sorted(generator)}")
        data = {}
        for entry in generator["files"]:
            key, _, source = entry.rpartition("=") if "=" in entry else ("", "", entry)
            path = directory / source
            data[key or path.name] = base64.b64encode(path.read_bytes()).decode()
        secrets.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": generator["name"]},
                "type": "Opaque",
                "data": data,
            }
        )
    return secrets


def _same(resource: Resource, patch: Resource) -> bool:
    group = patch["apiVersion"].rpartition("/")[0]
    return bool(
        resource["kind"] == patch["kind"]
        and resource["metadata"]["name"] == patch["metadata"]["name"]
        and resource["apiVersion"].rpartition("/")[0] == group
    )


def _patch(resources: list[Resource], patch: Resource) -> list[Resource]:
    matches = [r for r in resources if _same(r, patch)]
    if len(matches) != 1:
        raise ValueError(
            f"patch {patch['kind']}/{patch['metadata']['name']}: {len(matches)} targets"
        )
    if patch.get("$patch") == "delete":
        return [r for r in resources if r is not matches[0]]
    body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind")}
    merge(matches[0], body)
    return resources


def merge(base: dict[str, Any], patch: dict[str, Any]) -> None:
    """Strategic merge of ``patch`` into ``base``, in place."""
    for name, value in patch.items():
        if value is None:
            base.pop(name, None)
        elif isinstance(value, dict) and isinstance(base.get(name), dict):
            merge(base[name], value)
        elif name in MERGE_KEYS and isinstance(value, list) and isinstance(base.get(name), list):
            # As kustomize orders it: the patch's items first (merged into their twins),
            # then the base's items the patch does not name.
            merge_key = MERGE_KEYS[name]
            by_key = {b[merge_key]: b for b in base[name]}
            merged = []
            for item in value:
                twin = by_key.pop(item[merge_key], None)
                if twin is None:
                    merged.append(copy.deepcopy(item))
                else:
                    merge(twin, item)
                    merged.append(twin)
            base[name] = merged + list(by_key.values())
        else:
            base[name] = copy.deepcopy(value)


def _containers(resources: list[Resource]) -> list[dict[str, Any]]:
    found = []
    for resource in resources:
        if resource["kind"] in POD_TEMPLATE_KINDS:
            spec = resource["spec"]["template"]["spec"]
            found += spec.get("containers", []) + spec.get("initContainers", [])
    return found


def _retag(container: dict[str, Any], image: dict[str, str]) -> None:
    name, _, tag = container["image"].partition(":")
    if name != image["name"]:
        return
    container["image"] = f"{image.get('newName', name)}"
    new_tag = image.get("newTag", tag)
    if new_tag:
        container["image"] += f":{new_tag}"
