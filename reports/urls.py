from __future__ import annotations

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.organisation_dashboard, name="dashboard"),
    path("kpis/", views.kpi_table, name="kpi_table"),
    path("sites/<int:site_id>/", views.site_dashboard, name="site_dashboard"),
    path("sites/<int:site_id>/kpis/", views.site_kpi_table, name="site_kpi_table"),
]
