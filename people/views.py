"""The notification inbox: my in-app notifications, unread first; opening one marks it read.

Notifications are personal: another user's answers 404, whatever the role (administrators included).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.csv_export import export_response
from core.models import Notification, NotificationQuerySet
from core.pagination import paginate
from core.views import back, is_htmx, safe_url
from people.exports import NOTIFICATION_COLUMNS

PAGE_SIZE = 20


def my_notifications(request: HttpRequest) -> NotificationQuerySet:
    return Notification.objects.filter(recipient_id=request.user.pk)


def mark_read(notifications: NotificationQuerySet) -> int:
    """Mark the unread ones read, in one UPDATE; how many were unread."""
    now = timezone.now()
    return notifications.unread().update(read_at=now, updated_at=now)


@login_required
def inbox(request: HttpRequest) -> HttpResponseBase:
    """My notifications, unread first, newest first; ``?show=unread`` for the unread ones only."""
    show = request.GET.get("show", "")
    notifications = my_notifications(request)
    if show == "unread":
        notifications = notifications.unread()
    notifications = notifications.annotate(
        is_read=Case(When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("is_read", "-created_at", "-id")
    if (export := export_response(request, notifications, NOTIFICATION_COLUMNS, name=_("notifications"))) is not None:
        return export
    return render(
        request,
        "people/inbox.html",
        {"notifications": paginate(request, notifications, "page", PAGE_SIZE), "show": show},
    )


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notification: it is read now, and its link (if any, and on this site) is followed."""
    notification = get_object_or_404(my_notifications(request), pk=pk)
    mark_read(my_notifications(request).filter(pk=notification.pk))
    return redirect(safe_url(request, notification.url) or "people:inbox")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read (htmx: the row is replaced)."""
    notification = get_object_or_404(my_notifications(request), pk=pk)
    mark_read(my_notifications(request).filter(pk=notification.pk))
    if is_htmx(request):
        notification.refresh_from_db()
        return render(request, "people/_notification_read.html", {"notification": notification})
    return redirect_back(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    """Mark all my notifications read."""
    count = mark_read(my_notifications(request))
    if count:
        messages.success(
            request,
            ngettext("%(count)d notification marked read.", "%(count)d notifications marked read.", count)
            % {"count": count},
        )
    else:
        messages.info(request, _("There was nothing unread."))
    return redirect("people:inbox")


def redirect_back(request: HttpRequest) -> HttpResponse:
    return back(request, "people:inbox")
