"""docker-compose.yml cannot be run here (no Docker engine): keep it consistent with the settings instead."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mms.tests.test_settings import settings_env_names

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat", "migrate")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_exist_with_health_checks(compose):
    services = compose["services"]
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert name in services, name
        assert "healthcheck" in services[name], f"{name} has no health check"
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert services["beat"]["command"][:4] == ["celery", "-A", "mms", "beat"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in services["beat"]["command"]


def test_app_services_set_only_variables_the_settings_read(compose):
    known = settings_env_names()
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        unknown = set(environment) - known
        assert not unknown, f"{name} sets variables the settings never read: {sorted(unknown)}"
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= set(environment)


def test_database_url_matches_postgres_service(compose):
    postgres = compose["services"]["postgres"]["environment"]
    url = compose["services"]["web"]["environment"]["DATABASE_URL"]
    assert url.startswith(f"postgres://{postgres['POSTGRES_USER']}:")
    assert url.endswith(f"@postgres:5432/{postgres['POSTGRES_DB']}")
    assert compose["services"]["web"]["environment"]["REDIS_URL"].startswith("redis://redis:6379/")


def test_named_volumes_are_declared(compose):
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in settings_env_names() if f"`{name}`" not in readme)
    assert not missing, f"README.md does not document: {missing}"
