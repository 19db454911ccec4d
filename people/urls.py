"""People screens: the notification inbox."""

from __future__ import annotations

from django.urls import path

from people import history_views, views

app_name = "people"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("employees/<int:pk>/history/", history_views.employee_history, name="employee_history"),
    path("inbox/read-all/", views.notification_read_all, name="notification_read_all"),
    path("inbox/<int:pk>/", views.notification_open, name="notification_open"),
    path("inbox/<int:pk>/read/", views.notification_read, name="notification_read"),
]
