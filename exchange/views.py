"""Data exchange screens: upload a file for a dry run, review what it would do and every problem, then
import it (all or nothing, or the valid rows); export; the history of runs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.views import screen
from exchange import registry, services
from exchange.forms import ExportForm, ImportForm
from exchange.models import ImportMode, ImportOutcome

RUNS_PER_PAGE = 20
PROBLEMS_PER_PAGE = 100


@screen("exchange.view_importrun")
def home(request: HttpRequest) -> HttpResponse:
    can_import = request.user.has_perm("exchange.add_importrun")
    form = None
    if can_import:
        form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            run = services.import_run(
                format=form.cleaned_data["format"],
                upload=services.Upload(form.cleaned_data["file"].name, form.cleaned_data["file"]),
                user=request.user,
                options=form.options(),
                mode=form.cleaned_data["mode"],
            )
            return redirect("exchange:run", pk=run.pk)
    elif request.method == "POST":
        raise PermissionDenied
    page = Paginator(services.runs_visible_to(request.user), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/home.html",
        {
            "form": form,
            "export_form": ExportForm(user=request.user),
            "runs": page,
            "importers": registry.importers(),
            "exporters": registry.exporters(),
        },
        status=400 if form is not None and form.errors else 200,
    )


@screen("exchange.view_importrun")
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(services.runs_visible_to(request.user), pk=pk)
    report = run.report or {}
    problems = Paginator(report.get("problems", []), PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    outcome_rows = [
        {"sheet": sheet, "rows": report.get("rows", {}).get(sheet, 0), "record": record, **counts}
        for sheet, records in report.get("outcome", {}).items()
        for record, counts in records.items()
    ]
    read_only_sheets = [
        {"sheet": sheet, "rows": rows}
        for sheet, rows in report.get("rows", {}).items()
        if sheet not in report.get("outcome", {})
    ]
    followed = run.followed_by.order_by("-created_at").first()
    running = run.outcome in (ImportOutcome.WAITING, ImportOutcome.RUNNING)
    can_confirm = (
        run.mode == ImportMode.DRY_RUN
        and not running
        and run.outcome != ImportOutcome.FAILED
        and not report.get("refused")
        and followed is None
        and request.user.has_perm("exchange.add_importrun")
    )
    return render(
        request,
        "exchange/run_detail.html",
        {
            "run": run,
            "report": report,
            "outcome_rows": outcome_rows,
            "read_only_sheets": read_only_sheets,
            "problems": problems,
            "followed": followed,
            "can_confirm": can_confirm,
            "running": running,
        },
    )


@require_POST
@screen("exchange.add_importrun")
def run_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(services.runs_visible_to(request.user), pk=pk)
    mode = request.POST.get("mode", ImportMode.ALL_OR_NOTHING)
    try:
        follow = services.import_confirm(run=run, user=request.user, mode=mode)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("exchange:run", pk=run.pk)
    return redirect("exchange:run", pk=follow.pk)


@screen("exchange.view_importrun")
def export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET or None, user=request.user)
    if not form.is_valid():
        messages.error(
            request,
            _("Export: %(errors)s")
            % {"errors": "; ".join(str(error) for errors in form.errors.values() for error in errors)},
        )
        return redirect("exchange:home")
    content, name, content_type = services.export_file(
        format=form.cleaned_data["format"], user=request.user, options=form.options()
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
