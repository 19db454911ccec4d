from __future__ import annotations

from django.urls import path

from exchange import csv_views, views

app_name = "exchange"
urlpatterns = [
    path("", views.home, name="home"),
    path("csv/mappings/", csv_views.mapping_list, name="csv_mappings"),
    path("csv/mappings/new/", csv_views.mapping_new, name="csv_mapping_new"),
    path("csv/mappings/<int:pk>/", csv_views.mapping_edit, name="csv_mapping_edit"),
    path("csv/mappings/<int:pk>/delete/", csv_views.mapping_delete, name="csv_mapping_delete"),
]
