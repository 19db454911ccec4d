"""Settings read from the environment; production settings pass `check --deploy`."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mms import settings as mms_settings

ROOT = Path(__file__).resolve().parents[2]


def settings_env_names() -> set[str]:
    """Every variable name settings.py reads through its typed helpers (parsed, not executed)."""
    tree = ast.parse((ROOT / "mms" / "settings.py").read_text())
    helpers = {"env_str", "env_bool", "env_int", "env_list", "env_path"}
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in helpers
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # A clean environment: only what a deployment would set, nothing inherited from the test run.
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    clean.update({"DJANGO_SETTINGS_MODULE": "mms.settings", "VAR_DIR": "/tmp/mms-settings-test", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_helpers_record_what_they_read():
    assert settings_env_names() >= mms_settings.ENV_VARS
    assert {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "TIME_ZONE"} <= (
        settings_env_names()
    )
    assert {"EMAIL_HOST", "EMAIL_PORT", "ADMINS"} <= settings_env_names()


def test_typed_helpers_parse_and_refuse(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("MMS_T_BOOL", "yes")
    monkeypatch.setenv("MMS_T_INT", "42")
    monkeypatch.setenv("MMS_T_LIST", " a, b ,,c ")
    assert mms_settings.env_bool("MMS_T_BOOL") is True
    assert mms_settings.env_int("MMS_T_INT", 1) == 42
    assert mms_settings.env_list("MMS_T_LIST") == ["a", "b", "c"]
    assert mms_settings.env_int("MMS_T_MISSING", 7) == 7
    monkeypatch.setenv("MMS_T_BOOL", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="MMS_T_BOOL"):
        mms_settings.env_bool("MMS_T_BOOL")
    monkeypatch.setenv("MMS_T_INT", "many")
    with pytest.raises(ImproperlyConfigured, match="MMS_T_INT"):
        mms_settings.env_int("MMS_T_INT", 1)


def test_production_settings_pass_deploy_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        DEBUG="0",
        SECRET_KEY="k3y-" + "Zq9!xW2@vB7#nM4$pL6%rT8^yU1&iO3*" * 2,
        ALLOWED_HOSTS="mms.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_database_url_selects_postgresql():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['HOST'], d['NAME'])",
        DEBUG="1",
        DATABASE_URL="postgres://u:p@db.internal:5433/maint",
    )
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql db.internal maint" in result.stdout


def test_broker_defaults_to_filesystem_and_follows_redis_url():
    code = "from django.conf import settings; print(settings.CELERY_BROKER_URL)"
    default = run_manage("shell", "-c", code, DEBUG="1")
    assert default.stdout.strip().endswith("filesystem://"), default.stderr
    redis = run_manage("shell", "-c", code, DEBUG="1", REDIS_URL="redis://cache:6379/2")
    assert redis.stdout.strip().endswith("redis://cache:6379/2"), redis.stderr


@pytest.mark.django_db
def test_suite_runs_on_the_components_ci_asks_for():
    """In CI (DATABASE_URL and REDIS_URL set) the suite must really run on PostgreSQL and Redis."""
    from django.db import connection

    from mms.celery import app

    database_url = os.environ.get("DATABASE_URL", "")
    assert connection.vendor == ("postgresql" if database_url.startswith("postgres") else "sqlite")
    expected_broker = os.environ.get("REDIS_URL") or "memory://"
    assert app.conf.broker_url.startswith(expected_broker.split("://")[0] + "://")
