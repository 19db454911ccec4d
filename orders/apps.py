from __future__ import annotations

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"

    def ready(self) -> None:
        # Panels on other apps' pages, and the reaction to recorded readings (usage triggers).
        from orders import panels, readings  # noqa: F401
        from orders.privacy import PERSONAL_DATA
        from people.privacy import register_personal_data

        # What orders hold about people: anonymisation, data-subject export and retention reach it.
        register_personal_data(PERSONAL_DATA)
