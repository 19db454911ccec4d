"""Document numbers (WO-000001, PR-000001, PO-000001): one sequence per prefix, shared by every app."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from core.models import DocumentSequence

NUMBER_DIGITS = 6


def numbers_allocate(prefix: str, count: int = 1) -> list[str]:
    """Hand out ``count`` consecutive numbers of ``prefix``; concurrent callers get disjoint ranges."""
    if count <= 0:
        return []
    with transaction.atomic():
        DocumentSequence.objects.get_or_create(prefix=prefix)
        # The row lock makes two callers (two workers generating at once) take turns.
        sequence = DocumentSequence.objects.select_for_update().get(prefix=prefix)
        first = sequence.last + 1
        DocumentSequence.objects.filter(pk=sequence.pk).update(last=F("last") + count)
    return [f"{prefix}{n:0{NUMBER_DIGITS}d}" for n in range(first, first + count)]


def number_allocate(prefix: str) -> str:
    """The next number of ``prefix``."""
    return numbers_allocate(prefix, 1)[0]
