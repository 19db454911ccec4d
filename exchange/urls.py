from __future__ import annotations

from django.urls import path

from exchange import map_views, views

app_name = "exchange"
urlpatterns = [
    path("", views.home, name="home"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/import/", views.run_confirm, name="run_confirm"),
    path("export/", views.export, name="export"),
    path("map/", map_views.site_map, name="map"),
]
