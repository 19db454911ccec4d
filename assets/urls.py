"""Asset screens: area tree, resource pages, QR labels, reading entry."""

from __future__ import annotations

from django.urls import path

from assets import views

app_name = "assets"

urlpatterns = [
    path("", views.area_tree, name="area_tree"),
    path("areas/<int:pk>/children/", views.area_children, name="area_children"),
    path("resources/<int:pk>/", views.resource_detail, name="resource_detail"),
    path("resources/<int:pk>/history/", views.resource_history, name="resource_history"),
    path("resources/<int:pk>/label/", views.resource_label, name="resource_label"),
    path("counters/<int:pk>/readings/new/", views.reading_add, name="reading_add"),
]
