from __future__ import annotations

from django.urls import path

from exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.home, name="home"),
]
