"""Each package's ``__all__`` is its contract: it must match what the package really exports."""

import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "referee_client",
        "referee_client.protocol",
        "referee_verifiers",
        "referee_sandboxes",
        "referee_service",
        "referee_service.queue",
    ],
)
def test_all_names_exist_and_public_names_are_listed(module: str) -> None:
    mod = importlib.import_module(module)
    exported = set(mod.__all__)
    assert all(hasattr(mod, name) for name in exported)
    public = {
        name
        for name, value in vars(mod).items()
        if not name.startswith("_")
        and getattr(value, "__module__", module).startswith(module.split(".")[0])
        and not isinstance(value, type(importlib))
    }
    assert public <= exported, f"public but not in __all__: {sorted(public - exported)}"
