"""What a role may do through the API: the model permissions of its group (``core/roles.py``)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import DjangoModelPermissions


class RolePermissions(DjangoModelPermissions):
    """Model permissions, reads included (``view_<model>``).

    Custom actions (``@action``) need ``view_<model>`` plus the permissions the view lists in
    ``action_permissions[<action name>]``; the service the action calls decides the rest (owner role,
    executing role, sites) and answers 403 or 409 itself.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        action = getattr(view, "action", None)
        extra = getattr(view, "action_permissions", {})
        if action in extra or self._is_custom_action(view):
            queryset = self._queryset(view)
            model = queryset.model
            view_perm = f"{model._meta.app_label}.view_{model._meta.model_name}"
            return bool(user.has_perms([view_perm, *extra.get(action, [])]))
        return bool(super().has_permission(request, view))

    def _queryset(self, view: Any) -> Any:
        """The view's model is all the check needs: its class-level queryset, not a scoped, filtered one
        (``get_queryset`` runs again for the answer)."""
        queryset = getattr(view, "queryset", None)
        return queryset if queryset is not None else super()._queryset(view)

    @staticmethod
    def _is_custom_action(view: Any) -> bool:
        action = getattr(view, "action", None)
        return action is not None and action not in {
            "list",
            "retrieve",
            "create",
            "update",
            "partial_update",
            "destroy",
            "metadata",
        }
