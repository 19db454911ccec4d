"""Test helpers every app's tests use: a user factory, and assertions on refused rows."""

from __future__ import annotations

from typing import Any

import factory
import pytest
from axes.backends import AxesStandaloneBackend
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)


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


class AxesTestClientBackend(AxesStandaloneBackend):
    """Axes' lockout check, passed over only for ``authenticate()`` without a request: Django's test client
    logs in that way (``client.login``). The test settings use it; production keeps
    ``axes.backends.AxesStandaloneBackend``, which refuses such calls, and every login of the site passes
    its request (tests of the lockout go through the login page, the admin and the token endpoint)."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
