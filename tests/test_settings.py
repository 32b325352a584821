"""A bad setting stops start-up with a message naming the setting and the reason."""

import subprocess
import sys

import pytest

from runtime.settings import LogFormat, SettingsError, load_settings


def test_defaults_need_no_environment(monkeypatch):
    for name in ("DATABASE_URL", "TEMPORAL_ADDRESS", "TRYGG_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.task_queue == "trygg-cases"
    assert settings.log_format is LogFormat.JSON


def test_temporal_variables_are_read_from_temporals_own_names(monkeypatch):
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal.internal:7233")
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "trygg-prod")
    settings = load_settings()
    assert (settings.temporal_address, settings.temporal_namespace) == ("temporal.internal:7233", "trygg-prod")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("TRYGG_LOG_FORMAT", "xml", "TRYGG_LOG_FORMAT: Input should be 'json' or 'console'"),
        ("TRYGG_METRICS_PORT", "seventy", "TRYGG_METRICS_PORT: Input should be a valid integer"),
        ("TRYGG_GRACEFUL_SHUTDOWN_SECONDS", "-1", "TRYGG_GRACEFUL_SHUTDOWN_SECONDS: Input should be greater than or equal to 0"),
        ("TRYGG_LOG_LEVEL", "chatty", "TRYGG_LOG_LEVEL: String should match pattern"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert expected in str(refused.value)
    assert repr(value).lower() in str(refused.value).lower()


def test_the_cli_exits_2_with_one_line_naming_the_setting(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "console.main", "dev"],
        env={"PATH": "/usr/bin:/bin", "TRYGG_TEMPORAL_PORT": "99999", "TRYGG_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "TRYGG_TEMPORAL_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_refused_secret_is_not_echoed(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://trygg:hunter2@db/trygg")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "DATABASE_URL: Value error, must start with postgresql://" in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_payload_keys_are_read_and_kept_out_of_the_settings_repr(monkeypatch):
    from runtime.codec import new_key_setting

    keys = f"{new_key_setting('k2')},{new_key_setting('k1')}"
    monkeypatch.setenv("TRYGG_PAYLOAD_KEYS", keys)
    settings = load_settings()
    assert settings.payload_keys == keys
    assert keys.split(",")[0].split(":")[1] not in repr(settings)


def test_a_bad_payload_key_is_refused_naming_the_setting_and_the_key_id_but_not_the_key(monkeypatch):
    short = "c2hvcnQtYnV0LXNlY3JldA=="  # 16 bytes
    monkeypatch.setenv("TRYGG_PAYLOAD_KEYS", f"k1:{short}")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "TRYGG_PAYLOAD_KEYS" in str(refused.value) and "key 'k1' is 16 bytes" in str(refused.value)
    assert short not in str(refused.value) and "<hidden>" in str(refused.value)


def test_the_codec_endpoint_answers_the_dev_web_ui_unless_origins_are_set(monkeypatch):
    monkeypatch.setenv("TRYGG_UI_PORT", "8233")
    assert "http://localhost:8233" in load_settings().codec_origins()
    monkeypatch.setenv("TRYGG_UI_ORIGINS", "https://temporal-ui.internal/, https://ops.example")
    assert load_settings().codec_origins() == ["https://temporal-ui.internal", "https://ops.example"]
