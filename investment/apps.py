from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "investment"
    verbose_name = _("Asset investment planning")

    def ready(self) -> None:
        from investment import panels  # noqa: F401  (health and risk on the resource page)
