"""Who is calling: the browser's session or an integrator's token."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from people.scoping import prime_roles, role_stamp_sql

KEYWORDS = (b"token", b"bearer")


class BearerTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, accepting ``Authorization: Bearer <key>`` besides ``Token <key>``.

    Tokens are made in the admin and belong to one user: the caller acts with that user's roles and sites.
    """

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Invalid token header: give the keyword and the token, nothing else."))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise AuthenticationFailed(_("Invalid token header: the token has invalid characters.")) from None
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        """The token's user and the role stamp in one query (no ORM compiling); then the user's roles,
        permissions and sites (``prime_roles``), from what this process loaded before while the stamp is
        unchanged, else in one more query."""
        found = list(get_user_model().objects.raw(_token_user_sql(), [key]))
        if not found:
            raise AuthenticationFailed(_("Invalid token."))
        user = found[0]
        if not user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        token = Token.from_db(connection.alias, ["key", "user_id"], [key, user.pk])  # ``created`` loads if read
        token.user = user
        prime_roles(user, stamp=getattr(user, "mms_role_stamp", None))  # read with the user (_token_user_sql)
        return user, token


@functools.cache
def _token_user_sql() -> str:
    user_table = get_user_model()._meta.db_table
    quote = connection.ops.quote_name
    return (
        f"SELECT u.*, {role_stamp_sql()} AS mms_role_stamp FROM {quote(user_table)} u "
        f"JOIN {quote(Token._meta.db_table)} t ON t.user_id = u.id WHERE t.key = %s"
    )
