import pytest
from referee_service.settings import Settings, load_settings, unknown_env_names


def test_redis_url_is_read_from_plain_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/0")
    assert str(load_settings().redis_url) == "redis://127.0.0.1:6390/0"


def test_nested_settings_use_double_underscore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFEREE_SANDBOX__MEMORY_LIMIT_MB", "512")
    monkeypatch.setenv("REFEREE_MAX_ITEMS", "10")
    settings = load_settings()
    assert settings.sandbox.memory_limit_mb == 512
    assert settings.max_items == 10


def test_default_is_the_embedded_queue() -> None:
    assert load_settings().redis_url is None


def test_a_misspelt_setting_fails_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFEREE_SANDBOX__MEMORY_LIMIT", "512")
    with pytest.raises(ValueError, match="REFEREE_SANDBOX__MEMORY_LIMIT"):
        load_settings()


def test_known_names_are_not_reported() -> None:
    assert unknown_env_names({"REFEREE_MATH__TIMEOUT_S": "1", "PATH": "/bin"}) == []


def test_budgets_must_nest() -> None:
    with pytest.raises(ValueError, match="time_limit_s"):
        Settings(max_timeout_s=5, sandbox={"time_limit_s": 10})
