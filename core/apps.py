from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"


class MMSAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with the project's admin site (``core.admin_site.MMSAdminSite``); named in
    INSTALLED_APPS, never picked for ``core`` itself."""

    default = False
    default_site = "core.admin_site.MMSAdminSite"
