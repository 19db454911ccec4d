from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from mms import audit_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("audit/", audit_views.audit_search, name="audit_search"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("plans/", include("plans.urls")),
    path("orders/", include("orders.urls")),
    path("requests/", include("orders.portal_urls")),
    path("assets/", include("assets.urls")),
    path("people/", include("people.urls")),
    path("inventory/", include("inventory.urls")),
    path("exchange/", include("exchange.urls")),
    path("reports/", include("reports.urls")),
    path("investment/", include("investment.urls")),
    path("api/", include("mms.api_urls")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
