"""Screens of investment planning, under /investment/."""

from __future__ import annotations

from django.urls import path

from investment import forecast_views, views

app_name = "investment"
urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("matrix/", views.matrix, name="matrix"),
    path("resources/<int:pk>/", views.resource_detail, name="resource"),
    path("resources/<int:pk>/replacement/", forecast_views.replacement_move, name="replacement_move"),
    path("forecast/", forecast_views.forecast, name="forecast"),
    path("forecast/settings/", forecast_views.forecast_settings, name="forecast_settings"),
]
