"""Account URLs under /accounts/ that replace or add to Django's (the login and the Two-factor screen).

Included before ``django.contrib.auth.urls``, so ``login`` is the two-step login; logout, the password
change and the password reset stay Django's.
"""

from __future__ import annotations

from django.urls import path

from core import account_views

urlpatterns = [
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("login/code/", account_views.login_code, name="login_code"),
    path("two-factor/", account_views.two_factor, name="two_factor"),
    path("two-factor/enrol/", account_views.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/qr.svg", account_views.two_factor_qr, name="two_factor_qr"),
    path("two-factor/verify/", account_views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/disable/", account_views.two_factor_disable, name="two_factor_disable"),
]
