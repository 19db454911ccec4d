"""Work-order screens: my work, the supervisor queue, the planner calendar and backlog, the order page."""

from __future__ import annotations

from django.urls import path

from orders import adhoc_views, downtime_views, planner_views, record_views, views

app_name = "orders"

urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.queue_bulk, name="queue_bulk"),
    path("calendar/", planner_views.order_calendar, name="calendar"),
    path("backlog/", planner_views.backlog, name="backlog"),
    path("all/", planner_views.order_list, name="order_list"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/history/", views.order_history, name="history"),
    path("<int:pk>/assign/", views.order_assign, name="assign"),
    path("<int:pk>/checklist/<int:item_pk>/", record_views.checklist_answer, name="checklist_answer"),
    path("<int:pk>/data/<int:parameter_pk>/", record_views.data_value, name="data_value"),
    path("<int:pk>/reading/", record_views.reading_add, name="reading_add"),
    path("<int:pk>/parts/", record_views.used_part_add, name="used_part_add"),
    path("<int:pk>/labour/", record_views.labour_add, name="labour_add"),
    path("<int:pk>/labour/<slug:action>/", record_views.labour_clock, name="labour_clock"),
    path("<int:pk>/comments/", record_views.comment_add, name="comment_add"),
    path("<int:pk>/attachments/", record_views.attachment_add, name="attachment_add"),
    path("<int:pk>/<slug:action>/", views.order_transition, name="transition"),
]

# Orders from the ad-hoc activities of a plan instance (linked from the resource page's panel).
urlpatterns += [
    path("plan-instances/<int:pk>/ad-hoc/", adhoc_views.ad_hoc_order_create, name="ad_hoc_create"),
]

# By-hand downtime, from the resource page's downtime panel (orders.downtime_views).
urlpatterns += [
    path("resources/<int:pk>/downtime/open/", downtime_views.downtime_open, name="downtime_open"),
    path("resources/<int:pk>/downtime/close/", downtime_views.downtime_close, name="downtime_close"),
]
