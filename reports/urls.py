"""Screens of the reports app, mounted at ``/reports/``."""

from __future__ import annotations

from django.urls import path

from reports import pdf_views

app_name = "reports"

urlpatterns = [
    path("monthly/", pdf_views.monthly_reports, name="monthly_reports"),
    path("sites/<int:site_id>/monthly.pdf", pdf_views.monthly_pdf, name="monthly_pdf"),
    path("subscriptions/", pdf_views.subscription_list, name="subscription_list"),
    path("subscriptions/new/", pdf_views.subscription_create, name="subscription_create"),
    path("subscriptions/<int:pk>/", pdf_views.subscription_edit, name="subscription_edit"),
]
