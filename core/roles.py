"""Roles are Django groups. This table says which model permissions each one carries.

``sync_roles`` is idempotent and takes an ``apps`` registry, so data migrations call it with their
historical models whenever a later app adds models (and so permissions) a role should have.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

TECHNICIAN = "Technician"
SUPERVISOR = "Supervisor"
PLANNER = "Planner"
STOREKEEPER = "Storekeeper"
REQUESTER = "Requester"
ADMINISTRATOR = "Administrator"
INTEGRATOR = "Integrator"

ROLES = [TECHNICIAN, SUPERVISOR, PLANNER, STOREKEEPER, REQUESTER, ADMINISTRATOR, INTEGRATOR]
ROLE_LABELS = {
    TECHNICIAN: _("Technician"),
    SUPERVISOR: _("Supervisor"),
    PLANNER: _("Planner"),
    STOREKEEPER: _("Storekeeper"),
    REQUESTER: _("Requester"),
    ADMINISTRATOR: _("Administrator"),
    INTEGRATOR: _("Integrator"),
}

ALL = ("add", "change", "delete", "view")
VIEW = ("view",)
MASTER_APPS = ("assets", "people", "inventory", "plans", "orders", "exchange")

# (app label, model name or "*" for every model of the app, actions). An action is the first part of
# a permission codename: "view" gives view_<model>, "approve" on changeset gives approve_changeset.
Grant = tuple[str, str, tuple[str, ...]]
ROLE_PERMISSIONS: dict[str, list[Grant]] = {
    TECHNICIAN: [
        ("orders", "workorder", ("add", "view")),
        ("orders", "labourentry", ("add", "change", "view")),
        ("orders", "checklistanswer", ("add", "change", "view")),
        ("orders", "datavalue", ("add", "change", "view")),
        ("orders", "usedpart", ("add", "view")),
        ("orders", "comment", ("add", "view")),
        ("orders", "downtimeperiod", VIEW),
        ("plans", "activity", VIEW),
        ("assets", "area", VIEW),
        ("assets", "resource", VIEW),
        ("assets", "resourcetype", VIEW),
        ("assets", "container", VIEW),
        ("assets", "material", VIEW),
        ("assets", "counter", VIEW),
        ("assets", "reading", ("add", "view")),
        ("assets", "attachment", ("add", "view")),
        ("people", "certification", VIEW),
        ("inventory", "part", VIEW),
        ("inventory", "sparepart", VIEW),
        ("inventory", "stocklocation", VIEW),
        ("inventory", "stockbalance", VIEW),
        ("exchange", "attribute", VIEW),
        ("exchange", "documentreference", VIEW),
        ("exchange", "system", VIEW),
    ],
    SUPERVISOR: [
        *[(app, "*", VIEW) for app in MASTER_APPS],
        ("plans", "changeset", ("approve", "view")),
        ("orders", "*", ("add", "change", "view")),
        ("orders", "workorder", ("add", "change", "view", "supervise")),
        ("assets", "resource", ("change", "view")),
        ("assets", "container", ("change", "view")),
        ("assets", "reading", ("add", "change", "view")),
        ("assets", "attachment", ("add", "view")),
        ("people", "employee", ("change", "view")),
        ("people", "employeecertification", ALL),
        ("inventory", "purchaseorder", ("approve", "view")),
        ("inventory", "costentry", ("add", "view")),
        # The monthly maintenance report of their sites: downloaded, and e-mailed to whom they choose.
        ("reports", "reportsubscription", ("add", "change", "view", "download")),
        ("investment", "*", VIEW),  # health, risk and the replacement forecast of their sites
    ],
    PLANNER: [
        *[(app, "*", VIEW) for app in MASTER_APPS],
        ("plans", "*", ALL),
        ("plans", "changeset", ("add", "change", "view", "submit")),
        ("plans", "planversion", ("add", "change", "delete", "view", "make_effective")),
        ("assets", "counter", ALL),
        ("inventory", "sparepart", ALL),  # which parts a resource or type needs: part of planning its work
        ("assets", "reading", ("add", "view")),
        ("assets", "attachment", ("add", "view")),
        # Imports (CSV registers of plans, counters and readings; each importer asks for its own permission
        # besides) and the column mappings they keep.
        ("exchange", "importrun", ("add", "view")),
        ("exchange", "columnmapping", ALL),
        ("reports", "reportsubscription", ("download",)),  # the monthly maintenance report PDF
        # Asset investment planning: lifecycle figures, planned replacement years, forecast settings.
        ("investment", "assessedresource", VIEW),
        ("investment", "typelifecycle", ALL),
        ("investment", "resourcelifecycle", ALL),
        ("investment", "investmentsettings", ("add", "change", "view")),
    ],
    STOREKEEPER: [
        ("assets", "area", VIEW),
        ("assets", "resource", VIEW),
        ("assets", "resourcetype", VIEW),
        ("assets", "attachment", ("add", "view")),
        ("inventory", "*", ALL),
        ("inventory", "purchaseorder", ("receive",)),
        ("exchange", "importrun", ("add", "view")),  # CSV of parts and stock levels
        ("exchange", "columnmapping", ALL),
        # The work orders parts are reserved and issued for: the storekeeper reads them (and moves their
        # reservations from the order page) but takes no part in their execution.
        ("orders", "workorder", VIEW),
        ("orders", "plannedpart", VIEW),
        ("orders", "usedpart", VIEW),
    ],
    REQUESTER: [
        ("orders", "workorder", ("add", "view")),
        ("orders", "comment", ("add", "view")),
        ("assets", "area", VIEW),
        ("assets", "resource", VIEW),
        ("assets", "resourcetype", VIEW),
        ("assets", "container", VIEW),
        ("assets", "attachment", ("add", "view")),
    ],
    ADMINISTRATOR: [
        *[(app, "*", ALL) for app in MASTER_APPS],
        ("plans", "changeset", ("submit", "approve")),
        ("plans", "planversion", ("make_effective",)),
        ("orders", "workorder", ("supervise",)),
        ("inventory", "purchaseorder", ("approve", "receive")),
        ("auth", "user", ALL),
        ("auth", "group", VIEW),
        ("authtoken", "*", ALL),  # API tokens are made in the admin and bound to a user
        ("mms", "heartbeat", VIEW),
        ("core", "notification", ("view", "delete")),
        ("core", "documentsequence", VIEW),
        ("django_celery_beat", "*", ALL),
        ("reports", "reportsubscription", (*ALL, "download")),
        ("investment", "*", ALL),
        # Lockouts (django-axes): an administrator unlocks a user by deleting the access attempt.
        ("axes", "accessattempt", ("view", "delete")),
        ("axes", "accesslog", VIEW),
        ("axes", "accessfailurelog", VIEW),
        # A lost phone: an administrator removes the user's device; its owner sets up a new one.
        ("otp_totp", "totpdevice", ("view", "delete")),
    ],
    INTEGRATOR: [
        *[(app, "*", VIEW) for app in MASTER_APPS],
        ("orders", "workorder", ("add", "view")),
        ("assets", "reading", ("add", "view")),
        ("assets", "resource", ("add", "change", "view")),
        ("assets", "resourcetype", ("add", "change", "view")),
        ("assets", "counter", ("add", "change", "view")),
        ("assets", "attachment", ("add", "view")),
        ("inventory", "part", ("add", "change", "view")),
        ("inventory", "vendor", ("add", "change", "view")),
        ("orders", "webhooksubscription", ALL),
        ("investment", "*", VIEW),  # asset finance systems read the health, risk and forecast
    ],
}


def role_codenames(apps: Any, role: str) -> list[Any]:
    """The Permission rows a role should carry, looked up in the given app registry."""
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    wanted: list[Any] = []
    for app_label, model, actions in ROLE_PERMISSIONS[role]:
        types = ContentType.objects.filter(app_label=app_label)
        if model != "*":
            types = types.filter(model=model)
        for content_type in types:
            codenames = [f"{action}_{content_type.model}" for action in actions]
            wanted.extend(Permission.objects.filter(content_type=content_type, codename__in=codenames))
    return wanted


def sync_roles(apps: Any, schema_editor: Any = None) -> None:
    """Create the role groups and give each exactly its permissions (data migrations call this)."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    # Permissions are normally made after all migrations; make them now so the groups can get them.
    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, and both helpers skip such apps: pretend, then
        # restore, so the live registry (when a test passes it) is left exactly as it was.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_contenttypes(app_config, verbosity=0, apps=apps)
            create_permissions(app_config, verbosity=0, apps=apps)
        finally:
            app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(role_codenames(apps, role))
