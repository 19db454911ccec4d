"""Factories and helpers for tests (factory_boy)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, cast

import factory
import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from assets.models import Area, AreaKind, Container, Counter, CounterKind, Material, Reading, Resource
from inventory.models import Part, Vendor
from mms.roles import ADMINISTRATOR
from people.models import Certification, Employee, EmployeeCertification

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    kind = AreaKind.SITE
    code = factory.Sequence(lambda n: f"SITE{n}")
    name = factory.Sequence(lambda n: f"Site {n}")
    time_zone = "Africa/Nairobi"


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    kind = AreaKind.BUILDING
    code = factory.Sequence(lambda n: f"AREA{n}")
    name = factory.Sequence(lambda n: f"Building {n}")
    parent = factory.SubFactory(SiteFactory)


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    tag = factory.Sequence(lambda n: f"P-{n:04d}")
    name = factory.Sequence(lambda n: f"Pump {n}")
    area = factory.SubFactory(AreaFactory)
    manufacturer = "Grundfos"
    purchase_date = datetime.date(2020, 1, 10)
    installation_date = datetime.date(2020, 3, 1)


class ContainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Container

    tag = factory.Sequence(lambda n: f"T-{n:03d}")
    name = factory.Sequence(lambda n: f"Tank {n}")
    container_type = "tank"
    area = factory.SubFactory(AreaFactory)
    capacity = Decimal(50)
    capacity_unit = "m³"


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    code = factory.Sequence(lambda n: f"MAT-{n:03d}")
    lot_number = factory.Sequence(lambda n: f"LOT{n}")
    name = "Sodium hypochlorite 12.5%"
    area = factory.SubFactory(AreaFactory)
    quantity = Decimal(200)
    unit = "l"


class CounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counter

    resource = factory.SubFactory(ResourceFactory)
    name = factory.Sequence(lambda n: f"Operating hours {n}")
    kind = CounterKind.CUMULATIVE
    unit = "h"


class ReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reading

    counter = factory.SubFactory(CounterFactory)
    value = Decimal(100)


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


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    part_number = factory.Sequence(lambda n: f"PN-{n:05d}")
    description = factory.Sequence(lambda n: f"Mechanical seal {n}")
    unit_cost = Decimal("35.00")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    code = factory.Sequence(lambda n: f"V{n:03d}")
    name = factory.Sequence(lambda n: f"Vendor {n}")


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


def assert_clean_refuses(instance: models.Model, field: str) -> None:
    """``full_clean()`` refuses the instance with an error on ``field``."""
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    assert field in excinfo.value.message_dict, excinfo.value.message_dict


def assert_database_refuses(instance: models.Model) -> None:
    """Saving without ``full_clean()`` still fails: the database constraint holds."""
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


def force_update(queryset: models.QuerySet[Any], **values: Any) -> int:
    """``queryset.update(**values)`` past the model's own refusals (the content of a plan version that is
    no longer a draft is locked): for setting up a test's situation, never for the code under test."""
    return models.QuerySet.update(queryset, **values)
