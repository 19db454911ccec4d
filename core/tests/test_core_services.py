"""The foundation's shared services: notify(), document numbers, the panel registry, site scoping."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from assets.factories import SiteFactory
from core import panels, scoping
from core.models import DocumentSequence, Notification
from core.notifications import notify
from core.numbering import number_allocate, numbers_allocate
from core.testing import UserFactory
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


def test_notify_writes_one_unread_row_per_recipient_in_one_insert(django_assert_num_queries: Any) -> None:
    first, second = UserFactory(), UserFactory()
    with django_assert_num_queries(1):
        rows = notify([first, second.pk, first, None], "T" * 250, "body", "/orders/1/")
    assert len(rows) == 2
    stored = Notification.objects.order_by("recipient_id")
    assert [(n.recipient_id, len(n.title), n.body, n.url, n.read_at) for n in stored] == [
        (first.pk, 200, "body", "/orders/1/", None),
        (second.pk, 200, "body", "/orders/1/", None),
    ]
    assert notify([], "nobody") == []


def test_document_numbers_are_consecutive_per_prefix() -> None:
    assert numbers_allocate("WO-", 3) == ["WO-000001", "WO-000002", "WO-000003"]
    assert number_allocate("PR-") == "PR-000001"
    assert number_allocate("WO-") == "WO-000004"
    assert numbers_allocate("WO-", 0) == []
    assert dict(DocumentSequence.objects.values_list("prefix", "last")) == {"WO-": 4, "PR-": 1}


@pytest.fixture
def slot() -> Any:
    name = "test.slot"
    yield name
    panels._registry.pop(name, None)


def test_panels_render_in_position_order_and_hide_when_their_context_is_none(slot: str) -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    panels.register_panel(slot, name="second", template="core/tests/panel.html", position=20)(
        lambda request, obj: {"text": f"second of {obj}"}
    )
    panels.register_panel(slot, name="first", template="core/tests/panel.html", position=10)(
        lambda request, obj: {"text": f"first <b>{obj}</b>"}
    )
    panels.register_panel(slot, name="hidden", template="core/tests/panel.html", position=5)(lambda request, obj: None)
    assert [panel.name for panel in panels.panels_of(slot)] == ["hidden", "first", "second"]
    html = panels.render_panels(slot, request, "P-1")
    assert html == "<p>first &lt;b&gt;P-1&lt;/b&gt;</p>\n<p>second of P-1</p>\n"
    assert panels.render_panels("no.such.slot", request, "P-1") == ""


def test_the_resource_page_has_the_panels_other_apps_registered() -> None:
    main = [p.name for p in panels.panels_of("resource.main")]
    assert {"orders", "plans", "spare_parts"} <= set(main)
    assert main.index("orders") < main.index("plans")
    assert "warranty" in [p.name for p in panels.panels_of("resource.summary")]
    assert "stock" in [p.name for p in panels.panels_of("order.main")]


def test_site_scoping_reads_the_registered_membership() -> None:
    site, other = SiteFactory(), SiteFactory()
    technician = make_role_user("Technician", site=site)
    assert scoping.visible_site_ids(technician) == [site.pk]  # people registered employee sites at start-up
    assert other.pk not in scoping.visible_site_ids(make_role_user("Technician", site=site))
    assert scoping.visible_site_ids(make_role_user("Administrator")) is None
    assert scoping.visible_site_ids(AnonymousUser()) == []


def test_without_a_registered_membership_a_user_sees_no_site(monkeypatch: pytest.MonkeyPatch) -> None:
    site = SiteFactory()
    technician = make_role_user("Technician", site=site)
    monkeypatch.setattr(scoping, "_site_membership", None)
    assert scoping.visible_site_ids(technician) == []
