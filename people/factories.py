"""Factories of people for tests (factory_boy), and users in a role."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, cast

import factory
from django.contrib.auth.models import Group, User

from assets.models import Area
from core.roles import ADMINISTRATOR
from core.testing import UserFactory
from people.models import Certification, Employee, EmployeeCertification


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    code = factory.Sequence(lambda n: f"E{n:04d}")
    name = factory.Sequence(lambda n: f"Employee {n}")
    trade = "mechanic"
    hourly_rate = Decimal("12.50")


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    code = factory.Sequence(lambda n: f"CERT{n}")
    name = factory.Sequence(lambda n: f"Certification {n}")


class EmployeeCertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployeeCertification

    employee = factory.SubFactory(EmployeeFactory)
    certification = factory.SubFactory(CertificationFactory)
    valid_from = datetime.date(2025, 1, 1)
    valid_to = datetime.date(2027, 12, 31)


def make_role_user(role: str, *, site: Area | None = None, username: str | None = None, **extra: Any) -> User:
    """A user in one role group, with an employee record that is a member of ``site`` if given.

    Administrators are staff (the Django admin is their screen).
    """
    user = cast(User, UserFactory(username=username or f"{role.lower()}-{User.objects.count() + 1}", **extra))
    user.groups.add(Group.objects.get(name=role))
    if role == ADMINISTRATOR and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    employee = cast(Employee, EmployeeFactory(user=user, name=user.username))
    if site is not None:
        employee.sites.add(site)
    return user
