"""The requester portal: report a breakdown, follow my requests."""

from __future__ import annotations

from django.urls import path

from orders import portal_views

app_name = "requests"

urlpatterns = [
    path("new/", portal_views.request_new, name="new"),
    path("mine/", portal_views.request_list, name="mine"),
]
