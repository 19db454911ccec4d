"""Each API endpoint for each role, allowed and forbidden.

- every list (all routes of ``mms/api_urls.py``, the order records included) for every role: 200 where the
  role's grants in ``core/roles.py`` give it ``view`` on the model, 403 otherwise (200 for every role on
  the endpoints of one's own rows, which do not check role permissions), in a bounded number of queries;
- other sites' ids answer 404 on the site-scoped details;
- the plan workflow (create, change sets, submit, approve, reject, make effective, new version, apply,
  deactivate, delete a draft), master-data writes and every order transition, by a role that may and by
  roles that may not (403 by POST, not just a hidden button).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.factories import (
    AreaFactory,
    ContainerFactory,
    CounterFactory,
    MaterialFactory,
    ReadingFactory,
    ResourceFactory,
    SiteFactory,
)
from core.api.permissions import RolePermissions
from core.api.testing import token_client
from core.roles import ROLE_PERMISSIONS, ROLES
from core.testing import TEST_PASSWORD
from mms.api_urls import router
from orders import services
from orders.factories import in_progress_order, planned_order, released_order
from people.factories import make_role_user
from plans import services as plan_services
from plans.factories import ActivityFactory, PlanInstanceFactory, effective_plan

pytestmark = pytest.mark.django_db
LIST_QUERY_LIMIT = 12
DRAFTS = itertools.count(1)


def granted(role: str, app_label: str, model: str, action: str) -> bool:
    """Whether ``core/roles.py`` gives ``role`` the permission ``<app>.<action>_<model>``."""
    return any(
        app == app_label and name in ("*", model) and action in actions for app, name, actions in ROLE_PERMISSIONS[role]
    )


@pytest.fixture
def site():
    return SiteFactory()


@pytest.fixture
def resource(site):
    return ResourceFactory(area=AreaFactory(parent=site))


@pytest.mark.parametrize("role", ROLES)
def test_every_list_answers_by_the_roles_view_permission(role, site, resource):
    order = planned_order(resource)
    client = token_client(make_role_user(role, site=site))
    checked = 0
    for prefix, viewset, _basename in router.registry:
        queryset = getattr(viewset, "queryset", None)
        path = "/api/v1/" + re.sub(r"\(\?P<order_pk>[^)]*\)", str(order.pk), prefix) + "/"
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        # A few endpoints serve every signed-in user their own rows (calendar feeds), or what each format's
        # own permission allows (exports), whatever the role.
        # Endpoints over no model of their own name the roles they serve (the KPIs).
        own_rows_only = queryset is None or RolePermissions not in viewset.permission_classes
        roles_allowed = getattr(viewset, "roles_allowed", None)
        if roles_allowed is not None:
            expected = 200 if role in roles_allowed else 403
        else:
            expected = (
                200
                if own_rows_only
                or granted(role, queryset.model._meta.app_label, queryset.model._meta.model_name, "view")
                else 403
            )
        assert response.status_code == expected, (role, path, response.content[:300])
        assert len(queries) <= LIST_QUERY_LIMIT, (role, path, len(queries))
        checked += 1
    assert checked == len(router.registry) >= 30


@pytest.mark.parametrize(
    ("basename", "make"),
    [
        ("area", lambda site: AreaFactory(parent=site)),
        ("resource", lambda site: ResourceFactory(area=AreaFactory(parent=site))),
        ("container", lambda site: ContainerFactory(area=AreaFactory(parent=site))),
        ("material", lambda site: MaterialFactory(area=AreaFactory(parent=site))),
        ("counter", lambda site: CounterFactory(resource=ResourceFactory(area=AreaFactory(parent=site)))),
        (
            "reading",
            lambda site: ReadingFactory(
                counter=CounterFactory(resource=ResourceFactory(area=AreaFactory(parent=site)))
            ),
        ),
        ("planinstance", lambda site: PlanInstanceFactory(resource=ResourceFactory(area=AreaFactory(parent=site)))),
        ("workorder", lambda site: planned_order(ResourceFactory(area=AreaFactory(parent=site)))),
    ],
)
def test_other_sites_ids_answer_404(basename, make, site):
    supervisor = make_role_user("Supervisor", site=site)
    mine, theirs = make(site), make(SiteFactory())
    client = token_client(supervisor)
    assert client.get(reverse(f"api:{basename}-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse(f"api:{basename}-detail", args=[theirs.pk])).status_code == 404


# --- Writes: (role that may, roles that may not) -----------------------------------------------
class World:
    """What the write cases act on: a site with a pump, and a draft plan made by a planner."""

    def __init__(self) -> None:
        self.site = SiteFactory()
        self.area = AreaFactory(parent=self.site)
        self.pump = ResourceFactory(area=self.area)
        self.planner = make_role_user("Planner", site=self.site)
        self.supervisor = make_role_user("Supervisor", site=self.site)

    def draft(self) -> Any:
        version = plan_services.plan_create(user=self.planner, code=f"DRAFT-{next(DRAFTS)}", name="Draft plan")
        ActivityFactory(version=version)
        return version

    def submitted(self) -> Any:
        version = self.draft()
        plan_services.changeset_submit(change_set=version.change_set, user=self.planner)
        return version

    def approved(self) -> Any:
        version = self.submitted()
        plan_services.changeset_approve(change_set=version.change_set, user=self.supervisor, password=TEST_PASSWORD)
        return version

    def effective(self) -> Any:
        return effective_plan(planner=self.planner, supervisor=self.supervisor)


Case = Callable[[World], tuple[str, str, dict[str, Any]]]


def api(name: str, *args: Any) -> str:
    return reverse(f"api:{name}", args=args)


WRITES: dict[str, tuple[Case, int, str, tuple[str, ...]]] = {
    # name: (world -> (method, url, body), success status, the role that may, roles that may not)
    "plan create": (
        lambda w: ("post", api("plan-list"), {"code": "NEW-1", "name": "New plan"}),
        201,
        "Planner",
        ("Supervisor", "Technician", "Integrator"),
    ),
    "change set create": (
        lambda w: ("post", api("changeset-list"), {"name": "Autumn changes"}),
        201,
        "Planner",
        ("Supervisor", "Technician"),
    ),
    "change set submit": (
        lambda w: ("post", api("changeset-submit", w.draft().change_set_id), {}),
        200,
        "Planner",
        ("Supervisor", "Integrator"),
    ),
    "change set approve": (
        lambda w: ("post", api("changeset-approve", w.submitted().change_set_id), {"password": TEST_PASSWORD}),
        200,
        "Supervisor",
        ("Planner", "Technician", "Integrator"),
    ),
    "change set reject": (
        lambda w: ("post", api("changeset-reject", w.submitted().change_set_id), {"reason": "Wrong interval"}),
        200,
        "Supervisor",
        ("Planner", "Integrator"),
    ),
    "version make effective": (
        lambda w: ("post", api("planversion-make-effective", w.approved().pk), {}),
        200,
        "Planner",
        ("Supervisor", "Integrator"),
    ),
    "version delete draft": (
        lambda w: ("delete", api("planversion-detail", w.draft().pk), {}),
        204,
        "Planner",
        ("Supervisor", "Integrator"),
    ),
    "plan new version": (
        lambda w: ("post", api("plan-new-version", w.effective().pk), {}),
        201,
        "Planner",
        ("Supervisor", "Integrator"),
    ),
    "plan apply": (
        lambda w: (
            "post",
            api("plan-apply", w.effective().pk),
            {"resources": [w.pump.pk], "owner_role": "Supervisor", "start_date": "2026-12-01"},
        ),
        201,
        "Planner",
        ("Supervisor", "Technician", "Integrator"),
    ),
    "plan instance deactivate": (
        lambda w: (
            "post",
            api("planinstance-deactivate", PlanInstanceFactory(resource=w.pump, plan=w.effective()).pk),
            {"reason": "Pump retired"},
        ),
        200,
        "Planner",
        ("Supervisor", "Technician", "Integrator"),
    ),
    "area create": (
        lambda w: ("post", api("area-list"), {"kind": "building", "code": "B9", "name": "Hall 9", "parent": w.site.pk}),
        201,
        "Administrator",
        ("Supervisor", "Planner", "Integrator"),
    ),
    "resource create": (
        lambda w: ("post", api("resource-list"), {"tag": "P-900", "name": "Feed pump", "area": w.area.pk}),
        201,
        "Integrator",
        ("Supervisor", "Technician", "Planner"),
    ),
    "resource change": (
        lambda w: ("patch", api("resource-detail", w.pump.pk), {"name": "Feed pump 2"}),
        200,
        "Supervisor",
        ("Technician", "Requester", "Planner"),
    ),
    "counter create": (
        lambda w: ("post", api("counter-list"), {"resource": w.pump.pk, "name": "Starts", "unit": "n"}),
        201,
        "Planner",
        ("Technician", "Supervisor"),
    ),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_writes_by_the_role_that_may_and_the_roles_that_may_not(name):
    case, success, allowed, forbidden = WRITES[name]
    world = World()
    method, url, body = case(world)
    for role in forbidden:  # refused before anything changes: the same request, then by the role that may
        response = getattr(token_client(make_role_user(role, site=world.site)), method)(url, body, format="json")
        assert response.status_code == 403, (name, role, response.content[:300])
    user = {"Planner": world.planner, "Supervisor": world.supervisor}.get(allowed) or make_role_user(
        allowed, site=world.site
    )
    response = getattr(token_client(user), method)(url, body, format="json")
    assert response.status_code == success, (name, allowed, response.content[:300])


# --- Order transitions: the role that may; every other role 403 --------------------------------
def _requested(resource: Any, supervisor: Any, technician: Any) -> Any:
    return planned_order(resource)


def _approved(resource: Any, supervisor: Any, technician: Any) -> Any:
    return services.order_approve(order=planned_order(resource), user=supervisor)


def _released(resource: Any, supervisor: Any, technician: Any) -> Any:
    return released_order(resource, supervisor)


def _in_progress(resource: Any, supervisor: Any, technician: Any) -> Any:
    return in_progress_order(resource, supervisor, technician)


def _waiting(resource: Any, supervisor: Any, technician: Any) -> Any:
    return services.order_complete(order=in_progress_order(resource, supervisor, technician), user=technician)


TRANSITIONS = [
    # (action, make the order, body, the role that may, status)
    ("approve", _requested, {}, "Supervisor", 200),
    ("release", _approved, {}, "Supervisor", 200),
    ("begin", _released, {}, "Technician", 200),
    ("complete", _in_progress, {}, "Technician", 200),
    ("accept", _waiting, {}, "Supervisor", 200),
    ("rework", _waiting, {"reason": "Leaks again"}, "Supervisor", 201),
    ("skip", _released, {"reason": "Plant shut down"}, "Supervisor", 200),
    ("reject", _requested, {"reason": "Not needed"}, "Supervisor", 200),
    ("cancel", _requested, {"reason": "Duplicate"}, "Supervisor", 200),
]
NOT_OWNER = ("Technician", "Planner", "Storekeeper", "Requester", "Integrator")
NOT_EXECUTOR = ("Planner", "Storekeeper", "Requester", "Integrator")


@pytest.mark.parametrize(("action", "make", "body", "allowed", "success"), TRANSITIONS)
def test_each_order_transition_by_the_role_that_may_and_403_for_the_others(
    action, make, body, allowed, success, site, resource
):
    supervisor = make_role_user("Supervisor", site=site)
    technician = make_role_user("Technician", site=site)
    order = make(resource, supervisor, technician)
    url = reverse(f"api:workorder-{action}", args=[order.pk])
    for role in NOT_EXECUTOR if allowed == "Technician" else NOT_OWNER:
        response = token_client(make_role_user(role, site=site)).post(url, body, format="json")
        assert response.status_code == 403, (action, role, response.content[:300])
    user = technician if allowed == "Technician" else supervisor
    response = token_client(user).post(url, body, format="json")
    assert response.status_code == success, (action, response.content[:300])


def test_counter_on_a_resource_and_its_name_unique_per_entity(resource, site):
    client = token_client(make_role_user("Integrator"))
    body = {"resource": resource.pk, "name": "Starts", "unit": "n"}
    created = client.post(reverse("api:counter-list"), body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["area"] is None
    again = client.post(reverse("api:counter-list"), body, format="json")
    assert again.status_code == 400
    assert "This entity already has a counter of this name." in str(again.json())
