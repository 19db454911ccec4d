"""REST API of the people: employees (with their certifications) and certifications, read-only.

Employees are listed for the sites the user sees (an employee of several sites appears once).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.viewsets import ReadOnlyViewSet
from people.models import Certification, Employee, EmployeeCertification


class EmployeeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    site = django_filters.NumberFilter(field_name="sites", label=_("Site"))
    trade = django_filters.CharFilter(lookup_expr="iexact")
    active = django_filters.BooleanFilter()
    certification = django_filters.NumberFilter(
        field_name="certifications__certification_id", label=_("Holds certification"), distinct=True
    )

    class Meta:
        model = Employee
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Employee], name: str, value: str) -> QuerySet[Employee]:
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)) if value else queryset


class EmployeeCertificationSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="certification.code", read_only=True)
    name = serializers.CharField(source="certification.name", read_only=True)

    class Meta:
        model = EmployeeCertification
        fields = ["id", "certification", "code", "name", "certificate_number", "valid_from", "valid_to"]


class EmployeeSerializer(serializers.ModelSerializer):
    certifications = EmployeeCertificationSerializer(many=True, read_only=True)

    class Meta:
        model = Employee
        fields = [
            "id",
            "code",
            "name",
            "user",
            "trade",
            "email",
            "phone",
            "hourly_rate",
            "currency",
            "sites",
            "active",
            "certifications",
            "updated_at",
        ]
        read_only_fields = fields


class EmployeeViewSet(ReadOnlyViewSet):
    """Employees of the user's sites, with the certifications they hold."""

    queryset = Employee.objects.prefetch_related(
        "sites",
        Prefetch("certifications", EmployeeCertification.objects.select_related("certification")),  # type: ignore[arg-type]
    )
    serializer_class = EmployeeSerializer
    filterset_class = EmployeeFilterSet
    ordering_fields = ["id", "code", "name", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset.in_sites(site_ids)  # type: ignore[attr-defined]


class CertificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Certification
        fields = ["id", "code", "name", "issuing_body", "validity_months", "description", "updated_at"]
        read_only_fields = fields


class CertificationViewSet(ReadOnlyViewSet):
    """Certifications an activity may require (shared by every site)."""

    queryset = Certification.objects.all()
    serializer_class = CertificationSerializer
    filterset_fields = ["code"]
    ordering_fields = ["id", "code", "name", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset


ROUTES: list[tuple[str, Any, str]] = [
    ("employees", EmployeeViewSet, "employee"),
    ("certifications", CertificationViewSet, "certification"),
]
