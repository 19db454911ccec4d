"""Factories of investment planning for tests (factory_boy)."""

from __future__ import annotations

from decimal import Decimal

import factory

from investment.models import InvestmentSettings, ResourceLifecycle, TypeLifecycle


class TypeLifecycleFactory(factory.django.DjangoModelFactory):
    """A type that lasts 20 years and costs 10,000 USD to replace; consequence and likelihood 3."""

    class Meta:
        model = TypeLifecycle

    resource_type = factory.SubFactory("assets.factories.ResourceTypeFactory")
    expected_life_years = 20
    replacement_cost = Decimal("10000.00")
    currency = "USD"


class ResourceLifecycleFactory(factory.django.DjangoModelFactory):
    """A resource's own figures: none by default (everything from its type)."""

    class Meta:
        model = ResourceLifecycle

    resource = factory.SubFactory("assets.factories.ResourceFactory")


def investment_settings(**values: object) -> InvestmentSettings:
    """The organisation's settings row, saved with ``values``."""
    settings = InvestmentSettings.load()
    for name, value in values.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    return settings
