from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.db.models import Model, Q

if TYPE_CHECKING:
    from people.models import Employee


class PeopleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "people"

    def ready(self) -> None:
        from core.scoping import register_site_membership
        from people.privacy import PersonalData, register_personal_data
        from people.scoping import employee_site_ids

        # Who sees which sites is decided in core; an employee's sites are kept here.
        register_site_membership(employee_site_ids)
        register_personal_data(PersonalData(app="people", free_text=notification_texts, related=photos_of))


def notification_texts() -> list[tuple[type[Model], tuple[str, ...]]]:
    """Notifications to others may name the person (core keeps them; no app above needs to say so)."""
    from core.models import Notification

    return [(Notification, ("title", "body"))]


def photos_of(employee: Employee, user: Any) -> dict[type[Model], Q]:
    """The attachments marked as showing the person belong in their export."""
    from assets.models import Attachment

    return {Attachment: Q(people_shown__employee=employee)}
