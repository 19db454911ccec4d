from __future__ import annotations

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "people"

    def ready(self) -> None:
        from core.scoping import register_site_membership
        from people.scoping import employee_site_ids

        # Who sees which sites is decided in core; an employee's sites are kept here.
        register_site_membership(employee_site_ids)
