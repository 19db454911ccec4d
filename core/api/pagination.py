"""Pages of list endpoints: ``?page=`` and ``?page_size=`` (at most 500)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 500
MAX_PAGE_NUMBER = 10**12  # far beyond any table; keeps the OFFSET inside a database integer


class PagePagination(PageNumberPagination):
    """Numbered pages with the total ``count`` (master data: areas, resources, employees...)."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class CountFreePagination(PageNumberPagination):
    """Numbered pages without a total: one query per page, however large the table.

    Counting 100,000 orders costs more than reading a page of them, so big tables answer ``next`` and
    ``previous`` only: one row more than the page is read to know whether there is a next page.
    Integrators syncing incrementally page through ``?updated_since=...&ordering=updated_at``.
    """

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        raw = request.query_params.get(self.page_query_param, "1")
        try:
            number = int(raw)
            if not 1 <= number <= MAX_PAGE_NUMBER:
                raise ValueError
        except ValueError:
            raise NotFound(_("Invalid page.")) from None
        offset = (number - 1) * page_size
        rows = list(queryset[offset : offset + page_size + 1])
        if not rows and number != 1:
            raise NotFound(_("Invalid page."))
        self.page_number, self.page_size_used = number, page_size
        self.has_next = len(rows) > page_size
        return rows[:page_size]

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.page_number + 1)

    def get_previous_link(self) -> str | None:
        if self.page_number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.page_number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.page_number - 1)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            OrderedDict([("next", self.get_next_link()), ("previous", self.get_previous_link()), ("results", data)])
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
