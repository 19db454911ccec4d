from __future__ import annotations

from django.urls import path

from exchange import map_views, views

app_name = "exchange"
urlpatterns = [
    path("", views.home, name="home"),
    path("map/", map_views.site_map, name="map"),
]
