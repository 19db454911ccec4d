"""Helpers for API tests: clients authenticated by token, as integrators call the API."""

from __future__ import annotations

from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def token_client(user: Any) -> APIClient:
    """An API client sending ``Authorization: Token <key>`` for ``user`` (a token is made if needed)."""
    token, _created = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
