from __future__ import annotations

from django.urls import path, re_path

from exchange import calendar_views, csv_views, map_views, views

app_name = "exchange"
urlpatterns = [
    path("", views.home, name="home"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/import/", views.run_confirm, name="run_confirm"),
    path("export/", views.export, name="export"),
    path("map/", map_views.site_map, name="map"),
]

# Calendars (iCalendar): the secret feeds, the screen that makes them, the calendar screen's export.
urlpatterns += [
    re_path(r"^ical/(?P<token>[A-Za-z0-9_-]{1,100})\.ics$", calendar_views.calendar_feed_ics, name="calendar_feed_ics"),
    path("calendar-feeds/", calendar_views.calendar_feeds, name="calendar_feeds"),
    path("calendar-feeds/<int:pk>/revoke/", calendar_views.calendar_feed_revoke_view, name="calendar_feed_revoke"),
    path("calendar/export.ics", calendar_views.calendar_export, name="calendar_export"),
]

# CSV column mappings.
urlpatterns += [
    path("csv/mappings/", csv_views.mapping_list, name="csv_mappings"),
    path("csv/mappings/new/", csv_views.mapping_new, name="csv_mapping_new"),
    path("csv/mappings/<int:pk>/", csv_views.mapping_edit, name="csv_mapping_edit"),
    path("csv/mappings/<int:pk>/delete/", csv_views.mapping_delete, name="csv_mapping_delete"),
]
