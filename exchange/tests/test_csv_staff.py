"""The employee register in CSV: by employee number or user name, with their sites; users are never
made by an import; re-imports and exports unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from assets.factories import SiteFactory
from exchange.tests.csv_support import VALID, counts, export, problems, rows_of, run_import
from people.factories import EmployeeFactory
from people.models import Employee

pytestmark = pytest.mark.django_db


def test_employees_by_number_with_sites_and_users(tmp_path, csv_admin, csv_site) -> None:
    SiteFactory(code="S2")
    User.objects.create_user(username="amina")
    text = (
        "Employee number,Name,User name,Trade,Hourly rate,Currency,Sites\n"
        'E-1,Amina Otieno,amina,electrician,12.5,kes,"S1, S2"\n'
        "E-2,Joseph Mwangi,,mechanic,,,S1\n"
    )
    report = run_import(tmp_path, csv_admin, text, "employees")
    assert not report.problems
    assert counts(report, "employees", "employee")["created"] == 2
    amina = Employee.objects.get(code="E-1")
    assert amina.user.username == "amina"
    assert amina.currency == "KES"
    assert amina.hourly_rate == Decimal("12.5")
    assert sorted(amina.sites.values_list("code", flat=True)) == ["S1", "S2"]
    assert Employee.objects.get(code="E-2").hourly_rate == 0
    again = run_import(tmp_path, csv_admin, text, "employees")
    assert counts(again, "employees", "employee") == {"created": 0, "updated": 0, "unchanged": 2}
    exported = export(csv_admin, "employees")
    assert {row["Employee number"]: row["Sites"] for row in rows_of(exported)}["E-1"] == "S1, S2"
    result = run_import(tmp_path, csv_admin, exported, "employees")
    assert counts(result, "employees", "employee")["created"] == 0
    assert not result.problems
    assert counts(result, "employees", "employee")["updated"] == 0


def test_an_employee_found_by_user_name_and_the_problems(tmp_path, csv_admin, csv_site) -> None:
    user = User.objects.create_user(username="joseph")
    EmployeeFactory(code="E-7", name="Joseph", user=user)
    text = "User name,Name,Trade,Sites\njoseph,Joseph Mwangi,fitter,S1\nnobody,Ghost,,\n,No key,,\n"
    report = run_import(tmp_path, csv_admin, text, "employees", mode=VALID)
    employee = Employee.objects.get(code="E-7")
    assert employee.name == "Joseph Mwangi"
    assert employee.trade == "fitter"
    assert list(employee.sites.values_list("code", flat=True)) == ["S1"]
    found = problems(report)
    assert (3, "User name", "No user is named “nobody”.") in found
    assert (4, "Employee number", "Give the employee number or the user name.") in found
    assert not User.objects.filter(username="nobody").exists()
