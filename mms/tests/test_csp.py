"""The Content-Security-Policy: every screen answers with it, and the screens need nothing it forbids (no
inline script, no ``on*=`` handler, no ``javascript:`` URL, no inline style), checked on the templates
themselves and on the pages every parameterless screen of the URL conf renders for an Administrator and a
Technician, plus the detail pages that carry the few behaviours moved to static/js/mms.js."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assets.factories import ResourceFactory, SiteFactory
from core.roles import ADMINISTRATOR, TECHNICIAN
from people.factories import make_role_user

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
# Not screens: they answer files, JSON or redirects whatever the role (checked elsewhere), or log out.
SKIPPED_PREFIXES = ("api:", "admin:")
SKIPPED_NAMES = {"logout", "healthz", "login_code", "two_factor_qr"}


class InlineFinder(HTMLParser):
    """Collects what a strict policy would block: inline scripts, handler and style attributes, JS URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not values.get("src") and values.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith(("on", "hx-on")):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:...>")


def inline_parts(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def parameterless_url_names(resolver: URLResolver | None = None, namespace: str = "") -> list[str]:
    """Every named URL of the conf that takes no argument, e.g. ``orders:queue``."""
    names: list[str] = []
    for entry in (resolver or get_resolver()).url_patterns:
        if entry.pattern.converters or "(?P<" in str(entry.pattern):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names.extend(parameterless_url_names(entry, inner))
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(namespace + entry.name)
    return sorted(set(names))


def test_the_templates_have_no_inline_script_handler_or_style():
    offending = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        found = inline_parts(re.sub(r"{%.*?%}|{{.*?}}", "x", text, flags=re.S))
        if "javascript:" in text.lower():
            found.append("javascript: URL")
        if found:
            offending[path.relative_to(ROOT).as_posix()] = found
    assert offending == {}


def test_the_policy_forbids_inline_script_and_style():
    from django.conf import settings

    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["default-src"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert directives[directive] == ["'self'"], directive
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE


def assert_strict(response, where: str) -> None:
    policy = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy, where
    script = re.search(r"script-src ([^;]*)", policy)
    assert script, where
    assert "unsafe-inline" not in script.group(1), where
    assert "unsafe-eval" not in script.group(1), where
    assert inline_parts(response.content.decode()) == [], where


@pytest.mark.django_db
@pytest.mark.parametrize("role", [ADMINISTRATOR, TECHNICIAN])
def test_every_screen_sends_the_policy_and_needs_no_inline_script(role):
    site = SiteFactory()
    resource = ResourceFactory(area=site)
    client = Client()
    client.force_login(make_role_user(role, site=site))
    checked = []
    for name in parameterless_url_names():
        if name.startswith(SKIPPED_PREFIXES) or name in SKIPPED_NAMES:
            continue
        response = client.get(reverse(name))
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        assert_strict(response, name)
        checked.append(name)
    for url in (
        reverse("assets:resource_detail", args=[resource.pk]),
        reverse("assets:resource_label", args=[resource.pk]),
        reverse("admin:index") if role == ADMINISTRATOR else reverse("two_factor"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response, url)
        checked.append(url)
    assert {"home", "two_factor", "password_change", "people:inbox"} <= set(checked)
    assert len(checked) >= (20 if role == ADMINISTRATOR else 8), checked


@pytest.mark.django_db
def test_the_login_pages_send_the_policy(client):
    for name in ("login", "password_reset"):
        assert_strict(client.get(reverse(name)), name)


@pytest.mark.django_db
def test_only_the_api_docs_allow_inline_styles(client):
    for name in ("api:docs", "api:redoc"):
        response = client.get(reverse(name))
        policy = response["Content-Security-Policy"]
        assert "'unsafe-inline'" in re.search(r"style-src ([^;]*)", policy).group(1), name
        assert "'unsafe-inline'" not in re.search(r"script-src ([^;]*)", policy).group(1), name
        html = response.content.decode()
        assert not re.search(r"<script>(?!\s*</script>)", html), name  # Swagger UI's start script is a file
