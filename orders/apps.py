from __future__ import annotations

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"

    def ready(self) -> None:
        # Panels on other apps' pages, and the reaction to recorded readings (usage triggers).
        from orders import panels, readings  # noqa: F401
