"""``POST /api/v1/auth/token/``: an integrator's script trades a username and password (and the one-time
code, for users with a second factor) for the user's API token.

The password is checked through ``authenticate`` with the request, so the login lockout applies here as
on the login page (django-axes; a locked-out caller gets 429 JSON with ``Retry-After``, 403 when the
lockout lasts until an administrator lifts it), and a wrong one-time code counts as a failed login too.
Tokens are otherwise made in the admin.
"""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.login_protection import client_ip, is_locked_out, lockout_response, record_failure
from core.two_factor import confirmed_device, totp_check, two_factor_required


class TokenCreateSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp_code = serializers.RegexField(
        r"^\d{6}$",
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The 6-digit code of the user's authenticator app, for users with two-factor login."),
    )


ERROR = inline_serializer("TokenCreateError", {"detail": serializers.CharField()})


class TokenCreateView(APIView):
    """The caller's token (made on first request, the same one after): ``Authorization: Token <key>``."""

    authentication_classes: list[Any] = []  # credentials are in the body; no session, so no CSRF
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenCreateSerializer,
        responses={
            200: inline_serializer("TokenCreated", {"token": serializers.CharField()}),
            400: OpenApiResponse(description=_("Wrong username, password or one-time code; or a field missing.")),
            403: OpenApiResponse(
                ERROR,
                description=_("Locked out until an administrator unlocks, or two-factor login must be set up first."),
            ),
            429: OpenApiResponse(
                ERROR, description=_("Too many failed attempts: locked out for a while (see Retry-After).")
            ),
        },
        operation_id="auth_token_create",
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        incoming = TokenCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        username = incoming.validated_data["username"]
        django_request = request._request
        if is_locked_out(django_request, username):
            return lockout_response(django_request)
        user = authenticate(django_request, username=username, password=incoming.validated_data["password"])
        if user is None:
            # Axes has counted it; its middleware turns this answer into the lockout answer if it was the last.
            return Response(
                {"non_field_errors": [_("Unable to log in with these credentials.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if confirmed_device(user) is not None:
            code = incoming.validated_data["otp_code"]
            if not code:
                return Response(
                    {"otp_code": [_("This user logs in with two factors: give the code of the authenticator app.")]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            if totp_check(user=user, code=code) is None:
                record_failure(django_request, username)
                return Response(
                    {"otp_code": [_("That code is not right: give the next one the app shows.")]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
        elif two_factor_required(user):
            return Response(
                {"detail": _("This user must set up two-factor login (Two-factor screen) before getting a token.")},
                status=status.HTTP_403_FORBIDDEN,
            )
        # A right password resets the failures, as a login does (AXES_RESET_ON_SUCCESS).
        axes_reset(ip=client_ip(django_request), username=username)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
