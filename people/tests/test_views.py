"""The notification inbox and the unread count in the header."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from core.roles import ADMINISTRATOR, TECHNICIAN
from people.context_processors import unread_notifications
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db: None) -> User:
    return make_role_user(TECHNICIAN, username="inbox-owner")


@pytest.fixture
def other(db: None) -> User:
    return make_role_user(TECHNICIAN, username="inbox-other")


def notify(user: User, title: str = "WO-000001 is now approved", **fields: Any) -> Notification:
    return Notification.objects.create(recipient=user, title=title, **fields)


def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def unread_badge(html: str) -> str | None:
    """The number in the header's unread badge, if shown."""
    marker = 'class="badge unread-count">'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split("<", 1)[0]


def test_inbox_lists_my_notifications_unread_first_with_an_empty_state(client: Client, user: User, other: User) -> None:
    client = logged_in(client, user)
    assert "No notifications yet." in client.get(reverse("people:inbox")).content.decode()
    notify(user, "Old and read", read_at=timezone.now())
    notify(user, "Newer unread")
    notify(other, "Not mine")
    text = client.get(reverse("people:inbox")).content.decode()
    assert text.index("Newer unread") < text.index("Old and read")
    assert "Not mine" not in text
    assert unread_badge(text) == "1"
    unread_only = client.get(reverse("people:inbox"), {"show": "unread"}).content.decode()
    assert "Old and read" not in unread_only


def test_inbox_queries_are_constant_and_it_is_paginated(client: Client, user: User) -> None:
    client = logged_in(client, user)
    notify(user)

    def count(**params: Any) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("people:inbox"), params)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    few, _ = count()
    for n in range(30):
        notify(user, f"Note {n}", read_at=timezone.now() if n % 2 else None)
    many, text = count()
    assert many == few
    assert "Page 1 of 2" in text


def test_opening_a_notification_marks_it_read_and_follows_its_link(client: Client, user: User) -> None:
    note = notify(user, url="/requests/mine/")
    response = logged_in(client, user).get(reverse("people:notification_open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/requests/mine/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_an_outside_link_is_not_followed(client: Client, user: User) -> None:
    note = notify(user, url="https://evil.example.com/")
    response = logged_in(client, user).get(reverse("people:notification_open", args=[note.pk]))
    assert response["Location"] == reverse("people:inbox")


def test_mark_one_and_all_read_by_post_only(client: Client, user: User) -> None:
    first, second, third = notify(user), notify(user), notify(user)
    client = logged_in(client, user)
    assert client.get(reverse("people:notification_read", args=[first.pk])).status_code == 405
    assert client.get(reverse("people:notification_read_all")).status_code == 405
    assert Notification.objects.unread().count() == 3
    client.post(reverse("people:notification_read", args=[first.pk]))
    assert set(Notification.objects.unread().values_list("pk", flat=True)) == {second.pk, third.pk}
    htmx = client.post(reverse("people:notification_read", args=[second.pk]), HTTP_HX_REQUEST="true")
    body = htmx.content.decode()
    assert 'id="notification-' in body
    assert 'hx-swap-oob="true"' in body  # the header's count is swapped too
    assert unread_badge(body) == "1"
    client.post(reverse("people:notification_read_all"))
    assert not Notification.objects.unread().exists()


def test_another_users_notification_answers_404_even_for_an_administrator(
    client: Client, user: User, other: User
) -> None:
    note = notify(other)
    admin = make_role_user(ADMINISTRATOR)
    for viewer in (user, admin):
        client = logged_in(Client(), viewer)
        assert client.get(reverse("people:notification_open", args=[note.pk])).status_code == 404
        assert client.post(reverse("people:notification_read", args=[note.pk])).status_code == 404
    client.post(reverse("people:notification_read_all"))
    note.refresh_from_db()
    assert note.read_at is None


def test_header_count_goes_down_when_one_is_read(client: Client, user: User) -> None:
    notes = [notify(user) for _ in range(3)]
    client = logged_in(client, user)
    assert unread_badge(client.get(reverse("home")).content.decode()) == "3"
    client.get(reverse("people:notification_open", args=[notes[0].pk]))
    assert unread_badge(client.get(reverse("home")).content.decode()) == "2"
    client.post(reverse("people:notification_read_all"))
    assert unread_badge(client.get(reverse("home")).content.decode()) is None


def test_unread_count_is_one_query_and_none_for_anonymous(rf: Any, user: User) -> None:
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        assert unread_notifications(request) == {}
    assert len(queries) == 0
    notify(user)
    request.user = user
    context = unread_notifications(request)
    with CaptureQueriesContext(connection) as queries:
        assert context["unread_notification_count"]() == 1
        assert context["unread_notification_count"]() == 1  # asked twice (two header links), counted once
    assert len(queries) == 1


def test_anonymous_pages_make_no_notification_query(client: Client) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("login"))
    assert response.status_code == 200
    assert not any("people_notification" in q["sql"] for q in queries.captured_queries)
    assert client.get(reverse("people:inbox")).status_code == 302
