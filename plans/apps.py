from __future__ import annotations

from django.apps import AppConfig


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"

    def ready(self) -> None:
        from plans import panels  # noqa: F401  (the plans applied, on the resource page)
