"""Fixtures of the personal-data tests: a site, a technician and a supervisor, an order in progress."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from orders.factories import in_progress_order
from people.models import Employee


@pytest.fixture
def site():
    return SiteFactory()


@pytest.fixture
def resource(site):
    return ResourceFactory(area=AreaFactory(parent=site))


@pytest.fixture
def tech(site, role_user):
    user = role_user("Technician", site=site, username="amina", first_name="Amina", last_name="Otieno")
    Employee.objects.filter(user=user).update(
        name="Amina Otieno", email="amina@example.org", phone="+254 700 000 101", hourly_rate=Decimal("40.00")
    )
    return user


@pytest.fixture
def employee(tech):
    return Employee.objects.get(user=tech)


@pytest.fixture
def sup(site, role_user):
    return role_user("Supervisor", site=site, username="sup")


@pytest.fixture
def order(resource, sup, tech):
    return in_progress_order(resource, sup, tech)
