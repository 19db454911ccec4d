"""Screens of the reports app, mounted at ``/reports/``: the dashboards and the KPI table, the monthly
PDF report and its subscriptions."""

from __future__ import annotations

from django.urls import path

from reports import pdf_views, views

app_name = "reports"

urlpatterns = [
    path("", views.organisation_dashboard, name="dashboard"),
    path("kpis/", views.kpi_table, name="kpi_table"),
    path("sites/<int:site_id>/", views.site_dashboard, name="site_dashboard"),
    path("sites/<int:site_id>/kpis/", views.site_kpi_table, name="site_kpi_table"),
    path("monthly/", pdf_views.monthly_reports, name="monthly_reports"),
    path("sites/<int:site_id>/monthly.pdf", pdf_views.monthly_pdf, name="monthly_pdf"),
    path("subscriptions/", pdf_views.subscription_list, name="subscription_list"),
    path("subscriptions/new/", pdf_views.subscription_create, name="subscription_create"),
    path("subscriptions/<int:pk>/", pdf_views.subscription_edit, name="subscription_edit"),
]
