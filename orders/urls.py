"""Work-order screens: my work, the supervisor queue, the planner calendar and backlog, the order page."""

from __future__ import annotations

from django.urls import path

from orders import downtime_views, views

app_name = "orders"

urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.queue_bulk, name="queue_bulk"),
    path("calendar/", views.order_calendar, name="calendar"),
    path("backlog/", views.backlog, name="backlog"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/assign/", views.order_assign, name="assign"),
    path("<int:pk>/checklist/<int:item_pk>/", views.checklist_answer, name="checklist_answer"),
    path("<int:pk>/data/<int:parameter_pk>/", views.data_value, name="data_value"),
    path("<int:pk>/reading/", views.reading_add, name="reading_add"),
    path("<int:pk>/parts/", views.used_part_add, name="used_part_add"),
    path("<int:pk>/labour/", views.labour_add, name="labour_add"),
    path("<int:pk>/labour/<slug:action>/", views.labour_clock, name="labour_clock"),
    path("<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/<slug:action>/", views.order_transition, name="transition"),
]

# By-hand downtime, from the resource page's downtime panel (orders.downtime_views).
urlpatterns += [
    path("resources/<int:pk>/downtime/open/", downtime_views.downtime_open, name="downtime_open"),
    path("resources/<int:pk>/downtime/close/", downtime_views.downtime_close, name="downtime_close"),
]
