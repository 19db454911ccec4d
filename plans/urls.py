"""Planner screens, under /plans/."""

from __future__ import annotations

from django.urls import path

from plans import history_views, views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/history/", history_views.plan_history, name="plan_history"),
    path("<int:pk>/diff/", views.plan_diff, name="plan_diff"),
    path("<int:pk>/new-version/", views.version_create, name="version_create"),
    path("<int:pk>/apply/", views.plan_apply, name="plan_apply"),
    path("<int:pk>/instances/", views.instance_list, name="instance_list"),
    path("instances/<int:pk>/deactivate/", views.instance_deactivate, name="instance_deactivate"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/history/", history_views.version_history, name="version_history"),
    path("versions/<int:pk>/delete/", views.version_delete, name="version_delete"),
    path("versions/<int:pk>/make-effective/", views.version_make_effective, name="version_make_effective"),
    path("versions/<int:version_pk>/activities/new/", views.activity_form, name="activity_create"),
    path("activities/<int:pk>/", views.activity_form, name="activity_update"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("activities/<int:pk>/<slug:kind>/add/", views.row_add, name="row_add"),
    path("activities/<int:pk>/<slug:kind>/<int:row_pk>/delete/", views.row_delete, name="row_delete"),
    path("change-sets/", views.changeset_list, name="changeset_list"),
    path("change-sets/<int:pk>/submit/", views.changeset_submit, name="changeset_submit"),
    path("change-sets/<int:pk>/approve/", views.changeset_approve, name="changeset_approve"),
    path("change-sets/<int:pk>/reject/", views.changeset_reject, name="changeset_reject"),
]
