"""An employee's change history (``core.audit``): rate, trade, contact details, consent, sites.

Employees have no page of their own on the screens (they are kept in the admin); this is the one
screen about an employee, reached from where employees are named. It asks what seeing an employee
asks (``people.view_employee``) and shows only employees of the user's sites: another site's answers 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from core.audit import render_history
from core.scoping import visible_site_ids
from core.views import screen
from people.models import Employee


@screen("people.view_employee")
def employee_history(request: HttpRequest, pk: int) -> HttpResponse:
    employee = get_object_or_404(Employee.objects.in_sites(visible_site_ids(request.user)), pk=pk)
    return render_history(request, employee, title=str(employee), back_url=reverse("home"))
