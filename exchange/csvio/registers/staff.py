"""The employee register: by employee number, or by user name where the file has no number (the
employee of that user). Users are not made by an import: a user name must be one that exists. Sites are
site codes separated by ``,``, ``;`` or ``|``; a user who does not see every site gives only their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.models import Area
from exchange.csvio.columns import Column, ImportContext, Register, Row, register
from exchange.csvio.registers.common import load_by
from exchange.csvio.values import Boolean, Number, Text
from exchange.report import UNCHANGED, UPDATED
from people.models import Employee

EMPLOYEE_FIELDS = ("code", "name", "trade", "email", "phone", "hourly_rate", "currency", "active")
SEPARATORS = re.compile(r"[,;|]")


def site_codes(text: str) -> list[str]:
    return [code.strip() for code in SEPARATORS.split(text or "") if code.strip()]


@register
class EmployeeRegister(Register):
    target = "employees"
    position = 7
    label = gettext_lazy("employees")
    record = "employee"
    columns = (
        Column("code", gettext_lazy("Employee number"), Text(30)),
        Column("name", gettext_lazy("Name"), Text(200), required=True),
        Column("user", gettext_lazy("User name"), Text(150), help=gettext_lazy("An existing user who logs in")),
        Column("trade", gettext_lazy("Trade"), Text(100)),
        Column("email", gettext_lazy("E-mail"), Text(254)),
        Column("phone", gettext_lazy("Phone"), Text(40)),
        Column("hourly_rate", gettext_lazy("Hourly rate"), Number(2, 10, Decimal(0))),
        Column("currency", gettext_lazy("Currency"), Text(3), help=gettext_lazy("ISO 4217, e.g. USD")),
        Column("sites", gettext_lazy("Sites"), Text(), help=gettext_lazy("Site codes, separated by commas")),
        Column("active", gettext_lazy("Active"), Boolean()),
    )
    key = ("code",)
    key_help = gettext_lazy("the employee number, or the user name")
    import_permissions = ("people.add_employee", "people.change_employee")
    export_permission = "people.view_employee"

    def import_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        user_model = get_user_model()
        users = load_by(user_model.objects.all(), "username", (row.get("user") for row in rows))
        by_code = load_by(Employee.objects.prefetch_related("sites"), "code", (row.get("code") for row in rows))
        by_user = {
            employee.user_id: employee
            for employee in Employee.objects.filter(user__in=list(users.values())).prefetch_related("sites")
        }
        sites = load_by(
            Area.objects.sites(), "code", (code for row in rows for code in site_codes(row.get("sites") or ""))
        )
        for row in rows:
            code, username = row.get("code"), row.get("user")
            if not code and not username:
                ctx.problem(row.number, "code", _("Give the employee number or the user name."))
                continue
            user = users.get(username) if username else None
            if username and user is None:
                ctx.problem(row.number, "user", _("No user is named “%(name)s”.") % {"name": username})
                continue
            employee: Employee | None = by_code.get(code) if code else by_user.get(user.pk if user else None)
            if employee is None and not code:
                ctx.problem(row.number, "code", _("A new employee needs an employee number."))
                continue
            values = row.given(*EMPLOYEE_FIELDS)
            if values.get("hourly_rate") is None and "hourly_rate" in values:
                values["hourly_rate"] = Decimal(0)
            for name, default in (("currency", "USD"), ("active", True)):
                if name in values and values[name] in (None, ""):
                    values[name] = default
            if values.get("currency"):
                values["currency"] = values["currency"].upper()
            if row.has("user"):
                values["user"] = user
            wanted_sites = None
            if row.has("sites"):
                codes = site_codes(row.get("sites") or "")
                unknown = [c for c in codes if c not in sites]
                if unknown:
                    ctx.problem(
                        row.number, "sites", _("No site has the code %(codes)s.") % {"codes": ", ".join(unknown)}
                    )
                    continue
                wanted_sites = {sites[c].pk for c in codes}
            current_sites: set[int] = {site.pk for site in employee.sites.all()} if employee is not None else set()
            if ctx.site_ids is not None:
                touched = (wanted_sites or set()) ^ current_sites if wanted_sites is not None else set()
                if employee is not None and current_sites and not current_sites & ctx.site_ids:
                    ctx.problem(row.number, "code", _("This employee works in sites you do not have access to."))
                    continue
                if touched - ctx.site_ids:
                    ctx.problem(row.number, "sites", _("You may only add or remove the sites you belong to."))
                    continue
            obj = employee or Employee()
            sites_now = wanted_sites if wanted_sites is not None and wanted_sites != current_sites else None
            if ctx.write(row, partial(self._write, ctx, obj, values, sites_now)):
                by_code[obj.code] = obj
                if obj.user_id:
                    by_user[obj.user_id] = obj

    def _write(self, ctx: ImportContext, obj: Employee, values: dict[str, Any], sites: set[int] | None) -> None:
        """Save the employee; ``sites``: the sites it now belongs to, when they change."""
        action = ctx.save(obj, values)
        if sites is not None:
            obj._history_user = ctx.user if getattr(ctx.user, "pk", None) else None  # type: ignore[attr-defined]
            obj.sites.set(sites)
            action = UPDATED if action == UNCHANGED else action
        ctx.saved(self.record, action)

    def export_rows(self, user: Any, site_ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
        employees = (
            Employee.objects.in_sites(list(site_ids) if site_ids is not None else None)
            .select_related("user")
            .prefetch_related("sites")
            .order_by("code")
        )
        for employee in employees:
            yield {
                **{name: getattr(employee, name) for name in EMPLOYEE_FIELDS},
                "user": employee.user.get_username() if employee.user else "",
                "sites": ", ".join(sorted(site.code for site in employee.sites.all())),
            }
