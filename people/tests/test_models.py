"""Single-row rules of the people models, and certification validity queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone

from assets.factories import SiteFactory
from core.testing import assert_clean_refuses, assert_database_refuses
from people.factories import CertificationFactory, EmployeeCertificationFactory, EmployeeFactory
from people.models import Employee, EmployeeCertification

pytestmark = pytest.mark.django_db


class TestEmployee:
    def test_a_negative_hourly_rate_is_refused(self) -> None:
        employee = EmployeeFactory.build(hourly_rate=Decimal("-0.01"))
        assert_clean_refuses(employee, "hourly_rate")
        assert_database_refuses(employee)

    @pytest.mark.parametrize("currency", ["usd", "U$D", "US"])
    def test_the_currency_is_an_iso_code(self, currency: str) -> None:
        employee = EmployeeFactory.build(currency=currency)
        assert_clean_refuses(employee, "currency")
        assert_database_refuses(employee)

    def test_a_good_employee_is_accepted(self) -> None:
        employee = EmployeeFactory.build(currency="KES", hourly_rate=Decimal(0))
        employee.full_clean()
        employee.save()

    def test_in_sites(self) -> None:
        north, south = SiteFactory(), SiteFactory()
        both = EmployeeFactory()
        both.sites.add(north, south)
        only_south = EmployeeFactory()
        only_south.sites.add(south)
        nowhere = EmployeeFactory()
        assert list(Employee.objects.in_sites([north.pk, south.pk]).order_by("pk")) == [both, only_south]
        assert list(Employee.objects.in_sites([north.pk])) == [both]
        assert set(Employee.objects.in_sites(None)) == {both, only_south, nowhere}


class TestCertification:
    def test_a_validity_must_be_positive(self) -> None:
        certification = CertificationFactory.build(validity_months=0)
        assert_clean_refuses(certification, "validity_months")
        assert_database_refuses(certification)

    @pytest.mark.parametrize("months", [None, 1, 36])
    def test_no_or_a_positive_validity_is_accepted(self, months: int | None) -> None:
        certification = CertificationFactory.build(validity_months=months)
        certification.full_clean()
        certification.save()


DAY = datetime.date(2025, 6, 15)


def day(offset: int) -> datetime.date:
    return DAY + datetime.timedelta(days=offset)


class TestEmployeeCertification:
    def test_the_period_cannot_end_before_it_starts(self) -> None:
        held = EmployeeCertificationFactory.build(
            employee=EmployeeFactory(), certification=CertificationFactory(), valid_from=day(0), valid_to=day(-1)
        )
        assert_clean_refuses(held, "valid_to")
        assert_database_refuses(held)

    @pytest.mark.parametrize("valid_to", [day(0), day(365), None])
    def test_a_period_of_one_day_or_more_or_open_is_accepted(self, valid_to: datetime.date | None) -> None:
        held = EmployeeCertificationFactory.build(
            employee=EmployeeFactory(), certification=CertificationFactory(), valid_from=day(0), valid_to=valid_to
        )
        held.full_clean()
        held.save()

    def test_one_period_per_employee_certification_and_start(self) -> None:
        first = EmployeeCertificationFactory(valid_from=day(0))
        duplicate = EmployeeCertification(
            employee=first.employee, certification=first.certification, valid_from=day(0), valid_to=day(10)
        )
        assert_clean_refuses(duplicate, NON_FIELD_ERRORS)
        assert_database_refuses(duplicate)
        renewal = EmployeeCertification(employee=first.employee, certification=first.certification, valid_from=day(300))
        renewal.full_clean()
        renewal.save()

    def test_valid_on_includes_both_ends(self) -> None:
        held = EmployeeCertificationFactory(valid_from=day(0), valid_to=day(10))
        open_ended = EmployeeCertificationFactory(valid_from=day(5), valid_to=None)
        valid = EmployeeCertification.objects.valid_on
        assert set(valid(day(-1))) == set()
        assert set(valid(day(0))) == {held}
        assert set(valid(day(10))) == {held, open_ended}
        assert set(valid(day(11))) == {open_ended}
        assert [held.is_valid_on(day(n)) for n in (-1, 0, 10, 11)] == [False, True, True, False]
        assert open_ended.is_valid_on(day(10_000))
        assert list(held.employee.valid_certifications(on=day(3))) == [held]

    def test_expiring_within_counts_from_today_inclusive(self) -> None:
        expired = EmployeeCertificationFactory(valid_from=day(-100), valid_to=day(-1))
        today = EmployeeCertificationFactory(valid_from=day(-100), valid_to=day(0))
        in_a_month = EmployeeCertificationFactory(valid_from=day(-100), valid_to=day(30))
        later = EmployeeCertificationFactory(valid_from=day(-100), valid_to=day(31))
        never = EmployeeCertificationFactory(valid_from=day(-100), valid_to=None)
        expiring = set(EmployeeCertification.objects.expiring_within(30, today=DAY))
        assert expiring == {today, in_a_month}
        assert not expiring & {expired, later, never}

    def test_status_relative_to_today(self) -> None:
        today = timezone.localdate()
        ago, ahead = today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)
        assert EmployeeCertificationFactory(valid_from=ahead, valid_to=None).status == "future"
        assert EmployeeCertificationFactory(valid_from=ago, valid_to=today).status == "valid"
        assert EmployeeCertificationFactory(valid_from=ago, valid_to=None).status == "valid"
        assert EmployeeCertificationFactory(valid_from=ago, valid_to=ago).status == "expired"
