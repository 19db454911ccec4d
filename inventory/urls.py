"""Storekeeper screens, under /inventory/: stock, movements, issues, returns, adjustments, transfers,
receiving, purchasing, contracts."""

from __future__ import annotations

from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.stock_list, name="stock"),
    path("parts/<int:pk>/history/", views.part_history, name="part_history"),
    path("movements/", views.movement_list, name="movement_list"),
    path("issue/", views.stock_issue, name="issue"),
    path("return/", views.stock_return, name="return"),
    path("adjust/", views.stock_adjust, name="adjust"),
    path("transfer/", views.stock_transfer, name="transfer"),
    path("purchase-requests/", views.request_list, name="request_list"),
    path("purchase-requests/new/", views.request_create, name="request_create"),
    path("purchase-requests/<int:pk>/cancel/", views.request_cancel, name="request_cancel"),
    path("purchase-orders/", views.order_list, name="order_list"),
    path("purchase-orders/new/", views.order_create, name="order_create"),
    path("purchase-orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("purchase-orders/<int:pk>/receive/", views.order_receive, name="order_receive"),
    path("purchase-orders/<int:pk>/lines/", views.order_line_add, name="order_line_add"),
    path("purchase-orders/<int:pk>/lines/<int:line_pk>/remove/", views.order_line_remove, name="order_line_remove"),
    path("purchase-orders/<int:pk>/<slug:action>/", views.order_action, name="order_action"),
    path("contracts/", views.contract_list, name="contract_list"),
    path("reservations/<int:pk>/move/", views.reservation_move, name="reservation_move"),
    path("budgets/", views.budget_report, name="budget_report"),
]
