"""Admin of the inventory app: spare parts and vendors."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from inventory.models import Part, Vendor


@admin.register(Part)
class PartAdmin(SimpleHistoryAdmin):
    list_display = (
        "part_number",
        "description",
        "unit",
        "manufacturer",
        "minimum_quantity",
        "reorder_point",
        "reorder_quantity",
        "unit_cost",
        "currency",
        "active",
    )
    list_filter = ("active", "currency", "manufacturer")
    search_fields = ("part_number", "description", "manufacturer", "manufacturer_part_number")


@admin.register(Vendor)
class VendorAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "contact_name", "email", "phone", "currency", "active")
    list_filter = ("active", "currency")
    search_fields = ("code", "name", "contact_name", "email", "tax_number")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
