from __future__ import annotations

from django.apps import AppConfig


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


def notification_texts() -> list[tuple[type, tuple[str, ...]]]:
    """Notifications to others may name the person (core keeps them; no app above needs to say so)."""
    from core.models import Notification

    return [(Notification, ("title", "body"))]


def photos_of(employee: object, user: object) -> dict[type, object]:
    """The attachments marked as showing the person belong in their export."""
    from django.db.models import Q

    from assets.models import Attachment

    return {Attachment: Q(people_shown__employee=employee)}
