"""Data exchange screens: upload a file, review the dry run, import; export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.views import screen


@screen("exchange.view_importrun")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "exchange/home.html", {})
