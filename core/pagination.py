"""Pagination of screens that show several lists, each with its own page parameter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict

PAGE_SIZE = 10


@dataclass
class PagedList:
    """One page of a list on a screen that shows several lists, each with its own page parameter."""

    page: Page
    param: str
    query: QueryDict

    @property
    def previous_query(self) -> str:
        return self._query_for(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_query(self) -> str:
        return self._query_for(self.page.next_page_number()) if self.page.has_next() else ""

    def _query_for(self, number: int) -> str:
        params = self.query.copy()
        params.setlist(self.param, [str(number)])
        return "?" + params.urlencode()

    def __iter__(self) -> Iterator[Any]:
        return iter(self.page)

    def __len__(self) -> int:
        return len(self.page)


def paginate(request: HttpRequest, queryset: QuerySet[Any], param: str, per_page: int = PAGE_SIZE) -> PagedList:
    """The page of ``queryset`` that ``?<param>=`` asks for (the last one past the end, the first on junk)."""
    page = Paginator(queryset, per_page).get_page(request.GET.get(param))
    return PagedList(page=page, param=param, query=request.GET.copy())
