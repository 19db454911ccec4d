"""Who is calling: the browser's session or an integrator's token."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

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
