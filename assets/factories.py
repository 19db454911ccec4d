"""Factories of the asset register for tests (factory_boy)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from assets.models import Area, AreaKind, Container, Counter, CounterKind, Material, Reading, Resource, ResourceType


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


class ResourceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceType

    name = factory.Sequence(lambda n: f"Centrifugal pump type {n}")
    manufacturer = "Grundfos"
    model_number = factory.Sequence(lambda n: f"CR {n}")


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
