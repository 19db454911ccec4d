"""Change-set approval is signed electronically, through the service, the screen, the API and the admin;
the signature shows on the change set's pages and tells when the change set changed after signing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.api.testing import token_client
from core.testing import TEST_PASSWORD
from people.signature_models import Signature
from people.signatures import SignatureRefused, SigningLocked, verify
from plans import services
from plans.factories import ActivityFactory, PlanVersionFactory
from plans.models import ChangeSet, ChangeSetState, PlanVersion, PlanVersionState

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_approval(draft: PlanVersion, planner: User) -> ChangeSet:
    return services.changeset_submit(change_set=draft.change_set, user=planner)


def state_of(change_set: ChangeSet) -> str:
    return str(ChangeSet.objects.get(pk=change_set.pk).state)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_service_refuses_without_a_signature_and_signs_the_approval(in_approval, supervisor, draft):
    with pytest.raises(SignatureRefused, match="enter it again"):
        services.changeset_approve(change_set=in_approval, user=supervisor, comment="Fine.")
    assert state_of(in_approval) == ChangeSetState.IN_APPROVAL
    assert PlanVersion.objects.get(pk=draft.pk).state == PlanVersionState.DRAFT  # nothing approved

    approved = services.changeset_approve(
        change_set=in_approval, user=supervisor, comment="Fine.", password=TEST_PASSWORD, statement="Reviewed v1"
    )
    signature = Signature.objects.of(approved).get()
    assert (signature.signer, signature.meaning, signature.action) == (supervisor, "approved", "change-set approval")
    assert signature.statement == "Reviewed v1"
    assert '"state":"approved"' in signature.content  # the change set as approved is what was signed
    assert verify(signature)


def test_an_implicit_change_set_is_approved_without_a_signature(settings, planner, draft):
    settings.IMPLICIT_CHANGE_SETS = True
    change_set = services.changeset_create(user=planner, name="Implicit", implicit=True)
    PlanVersion.objects.filter(pk=draft.pk).update(change_set=change_set)
    services.version_make_effective(version=PlanVersion.objects.get(pk=draft.pk), user=planner)
    assert state_of(change_set) == ChangeSetState.APPROVED
    assert not Signature.objects.exists()


def test_the_screen_asks_for_the_signature_and_shows_it(in_approval, supervisor):
    client = logged_in(supervisor)
    listing = client.get(reverse("plans:changeset_list"), {"state": "in_approval"}).content.decode()
    assert 'name="password"' in listing
    assert 'name="meaning"' in listing

    url = reverse("plans:changeset_approve", args=[in_approval.pk])
    refused = client.post(url, {"meaning": "approved"}, follow=True).content.decode()
    assert "Sign with your password" in refused
    wrong = client.post(url, {"password": "nope", "meaning": "approved"}, follow=True).content.decode()
    assert "The password is wrong." in wrong
    assert state_of(in_approval) == ChangeSetState.IN_APPROVAL

    done = client.post(url, {"password": TEST_PASSWORD, "meaning": "reviewed", "comment": "OK"}, follow=True)
    assert "approved and signed" in done.content.decode()
    assert state_of(in_approval) == ChangeSetState.APPROVED
    assert Signature.objects.of(in_approval).get().meaning == "reviewed"

    page = client.get(reverse("plans:changeset_list")).content.decode()
    assert "Electronic signatures" in page
    assert "Reviewed" in page
    assert "UTC" in page
    assert "record changed after signing" not in page
    ChangeSet.objects.filter(pk=in_approval.pk).update(decision_note="Edited behind the signature")
    changed = client.get(reverse("plans:changeset_list")).content.decode()
    assert "record changed after signing" in changed
    version_page = client.get(reverse("plans:version_detail", args=[in_approval.versions.get().pk])).content.decode()
    assert "record changed after signing" in version_page


def test_the_change_set_list_reads_signatures_in_one_query(supervisor, planner):
    client = logged_in(supervisor)

    def approved_change_set(name: str) -> None:
        version = PlanVersionFactory(change_set__name=name)
        ActivityFactory(version=version)
        services.changeset_submit(change_set=version.change_set, user=planner)
        services.changeset_approve(change_set=version.change_set, user=supervisor, password=TEST_PASSWORD)

    approved_change_set("one")
    client.get(reverse("plans:changeset_list"))  # warm the session and content types
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("plans:changeset_list"))
    approved_change_set("two")
    approved_change_set("three")
    with CaptureQueriesContext(connection) as three:
        response = client.get(reverse("plans:changeset_list"))
    assert response.content.decode().count('class="signature"') == 3
    assert len(three) == len(one), [query["sql"] for query in three.captured_queries]


def test_the_api_answers_400_without_a_signature_423_when_locked(in_approval, supervisor):
    api = token_client(supervisor)
    url = reverse("api:changeset-approve", args=[in_approval.pk])
    missing = api.post(url, {"comment": "fine"}, format="json")
    assert missing.status_code == 400
    assert missing.json() == {"password": ["Sign with your password: enter it again."]}
    bad_meaning = api.post(url, {"password": TEST_PASSWORD, "meaning": "sure"}, format="json")
    assert bad_meaning.status_code == 400
    assert "meaning" in bad_meaning.json()
    for _attempt in range(3):
        wrong = api.post(url, {"password": "nope"}, format="json")
        assert wrong.status_code == 400
    assert "locked until" in wrong.json()["password"][0]
    locked = api.post(url, {"password": TEST_PASSWORD}, format="json")
    assert locked.status_code == 423
    assert "Signing is locked until" in locked.json()["detail"]
    assert state_of(in_approval) == ChangeSetState.IN_APPROVAL


def test_the_api_signs_and_shows_the_signature(in_approval, supervisor):
    api = token_client(supervisor)
    response = api.post(
        reverse("api:changeset-approve", args=[in_approval.pk]),
        {"password": TEST_PASSWORD, "meaning": "approved", "statement": "As reviewed"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    [signature] = response.json()["signatures"]
    assert (signature["signer_name"], signature["statement"], signature["valid"]) == ("supervisor", "As reviewed", True)
    ChangeSet.objects.filter(pk=in_approval.pk).update(name="Renamed after approval")
    detail = api.get(reverse("api:changeset-detail", args=[in_approval.pk])).json()
    assert (detail["signatures"][0]["valid"], detail["signatures"][0]["changed_fields"]) == (False, ["name"])


def test_the_admin_action_asks_for_the_signature_then_signs(in_approval, supervisor):
    supervisor.is_staff = True
    supervisor.save()
    client = logged_in(supervisor)
    changelist = reverse("admin:plans_changeset_changelist")
    data = {"action": "approve", "_selected_action": [in_approval.pk]}
    ask = client.post(changelist, data)
    assert ask.status_code == 200
    assert 'name="password"' in ask.content.decode()
    assert state_of(in_approval) == ChangeSetState.IN_APPROVAL
    wrong = client.post(changelist, {**data, "apply": "1", "password": "nope", "meaning": "approved"}, follow=True)
    assert "The password is wrong." in wrong.content.decode()
    assert state_of(in_approval) == ChangeSetState.IN_APPROVAL
    client.post(changelist, {**data, "apply": "1", "password": TEST_PASSWORD, "meaning": "approved"})
    assert state_of(in_approval) == ChangeSetState.APPROVED
    assert Signature.objects.of(in_approval).get().signer == supervisor


def test_a_locked_signer_is_refused_by_the_service(in_approval, supervisor):
    for _attempt in range(3):
        with pytest.raises(SignatureRefused):
            services.changeset_approve(change_set=in_approval, user=supervisor, password="nope")
    with pytest.raises(SigningLocked):
        services.changeset_approve(change_set=in_approval, user=supervisor, password=TEST_PASSWORD)
    assert state_of(in_approval) == ChangeSetState.IN_APPROVAL
