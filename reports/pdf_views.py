"""Screens of the monthly maintenance report: download the PDF of a site and a month, and keep the e-mail
subscriptions that get it every month. Everything is scoped to the user's sites (another site is a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from assets.models import Area
from core.pagination import paginate
from core.scoping import visible_site_ids
from core.views import screen
from reports.models import ReportSubscription
from reports.monthly import last_complete_month
from reports.subscription_forms import MonthlyReportForm, ReportSubscriptionForm, visible_sites
from reports.subscriptions import (
    MonthError,
    monthly_report_filename,
    monthly_report_pdf,
    parse_month,
    subscription_save,
)

DOWNLOAD = "reports.download_reportsubscription"
PAGE_SIZE = 20


def _site(request: HttpRequest, site_id: int) -> Area:
    return get_object_or_404(visible_sites(visible_site_ids(request.user)), pk=site_id)


@screen(DOWNLOAD)
def monthly_pdf(request: HttpRequest, site_id: int) -> HttpResponseBase:
    """The PDF of ``?month=YYYY-MM`` (default: the last month that is over in the site's time zone)."""
    site = _site(request, site_id)
    try:
        month = parse_month(request.GET.get("month", ""), site=site)
    except MonthError:
        # The download form again, its month field saying what is wrong.
        data = {"site": site.pk, "month": request.GET.get("month", "")}
        form = MonthlyReportForm(data, site_ids=visible_site_ids(request.user))
        form.is_valid()
        return _monthly_page(request, form, status=400)
    response = HttpResponse(monthly_report_pdf(site, month), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{monthly_report_filename(site, month)}"'
    return response


def _monthly_page(request: HttpRequest, form: MonthlyReportForm, status: int = 200) -> HttpResponse:
    sites = paginate(request, visible_sites(visible_site_ids(request.user)), "page", PAGE_SIZE)
    rows = [(site, last_complete_month(site)) for site in sites]
    return render(
        request,
        "reports/monthly_reports.html",
        {
            "form": form,
            "sites": sites,
            "rows": rows,
            "may_subscribe": request.user.has_perm("reports.view_reportsubscription"),
        },
        status=status,
    )


@screen(DOWNLOAD)
def monthly_reports(request: HttpRequest) -> HttpResponseBase:
    """Choose a site and a month; the form sends the browser to the PDF."""
    site_ids = visible_site_ids(request.user)
    if "site" in request.GET:
        form = MonthlyReportForm(request.GET, site_ids=site_ids)
        if form.is_valid():
            url = reverse("reports:monthly_pdf", args=[form.cleaned_data["site"].pk])
            return redirect(f"{url}?month={form.period.label}")
        return _monthly_page(request, form, status=400)
    return _monthly_page(request, MonthlyReportForm(site_ids=site_ids))


@screen("reports.view_reportsubscription")
def subscription_list(request: HttpRequest) -> HttpResponseBase:
    """The monthly report subscriptions of the user's sites."""
    subscriptions = (
        ReportSubscription.objects.in_sites(visible_site_ids(request.user))
        .select_related("site", "created_by")
        .order_by("site__name", "pk")
    )
    page = paginate(request, subscriptions, "page", PAGE_SIZE)
    return render(
        request,
        "reports/subscription_list.html",
        {"subscriptions": page, "may_add": request.user.has_perm("reports.add_reportsubscription")},
    )


def _subscription_form(request: HttpRequest, subscription: ReportSubscription, *, creating: bool) -> HttpResponseBase:
    site_ids = visible_site_ids(request.user)
    if request.method == "POST":
        form = ReportSubscriptionForm(request.POST, instance=subscription, site_ids=site_ids)
        if form.is_valid():
            subscription_save(subscription=form.instance, user=request.user)
            messages.success(request, _("Subscription saved."))
            return redirect("reports:subscription_list")
        status = 400
    else:
        form = ReportSubscriptionForm(instance=subscription, site_ids=site_ids)
        status = 200
    return render(
        request,
        "reports/subscription_form.html",
        {"form": form, "subscription": subscription, "creating": creating},
        status=status,
    )


@screen("reports.add_reportsubscription")
def subscription_create(request: HttpRequest) -> HttpResponseBase:
    return _subscription_form(request, ReportSubscription(), creating=True)


@screen("reports.change_reportsubscription")
def subscription_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    subscription = get_object_or_404(ReportSubscription.objects.in_sites(visible_site_ids(request.user)), pk=pk)
    return _subscription_form(request, subscription, creating=False)
