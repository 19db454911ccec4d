"""The demo's people: one login per role, the employees behind them, and the certifications they hold."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from core import roles
from mms.demo.base import LoaderBase
from mms.demo.constants import (
    DEMO_CLINIC_EMAIL_DOMAIN,
    DEMO_CONSENT_AT,
    DEMO_CURRENCY,
    DEMO_EMAIL_DOMAIN,
    DEMO_PASSWORD,
    DEMO_STAFF_USERS,
    DEMO_USERS,
    SITE_CLINIC,
    SITE_HILLTOP,
    SITE_RIVERSIDE,
)
from people.models import Certification, ConsentPurpose, ConsentRecord, Employee, EmployeeCertification

DEMO_NOTICE_VERSION = "demo-2026-03"
DEMO_NOTICE_TEXT = (
    "On call-outs the app records where you start your clock; kept 90 days. You may withdraw at any time."
)


class PeopleLoader(LoaderBase):
    """Loads users (with the demo password), employees, certifications and who holds which."""

    def load_users_and_people(self) -> None:
        """One login per role, the employees (with their sites), certifications and who holds which."""
        water, clinic = DEMO_EMAIL_DOMAIN, DEMO_CLINIC_EMAIL_DOMAIN
        riverside_and_hilltop = [SITE_RIVERSIDE, SITE_HILLTOP]
        # fmt: off
        employees = [
            # code, user, first and last name, trade, hourly rate (KES), e-mail domain, member of sites
            ("EMP-0101", "technician", "Peter", "Otieno", "Mechanical technician", "650.00", water, riverside_and_hilltop),
            ("EMP-0102", "supervisor", "Grace", "Wanjiru", "Maintenance supervisor", "950.00", water, riverside_and_hilltop),
            ("EMP-0103", "planner", "Samuel", "Kiprop", "Maintenance planner", "900.00", water, [*riverside_and_hilltop, SITE_CLINIC]),
            ("EMP-0104", "storekeeper", "Mercy", "Achieng", "Storekeeper", "550.00", water, [SITE_RIVERSIDE]),
            ("EMP-0105", None, "Joseph", "Omondi", "Electrician", "700.00", water, riverside_and_hilltop),
            ("EMP-0106", None, "Faith", "Chebet", "Plant operator", "500.00", water, [SITE_RIVERSIDE]),
            ("EMP-0201", "technician2", "Brian", "Mwangi", "Biomedical technician", "750.00", clinic, [SITE_CLINIC]),
            ("EMP-0202", "requester", "Esther", "Nyambura", "Nursing officer", "600.00", clinic, [SITE_CLINIC]),
        ]
        # fmt: on
        # Users without an employee record are system accounts.
        names = {
            "admin": ("System", "Administrator", f"admin@{water}"),
            "integrator": ("SCADA", "Gateway", f"scada@{water}"),
        }
        for _code, username, first, last, *_rest, domain, _sites in employees:
            if username:
                names[username] = (first, last, f"{first}.{last}@{domain}".lower())

        groups = {group.name: group for group in Group.objects.filter(name__in=roles.ROLES)}
        hashes: list[str] = []

        def set_demo_password(user: User) -> None:
            # Hash once for all new users: eight slow PBKDF2 rounds would add seconds to the first `make run`.
            if not hashes:
                hashes.append(make_password(DEMO_PASSWORD))
            user.password = hashes[0]

        for username, role in DEMO_USERS:
            first, last, email = names[username]
            user, outcome = self.put(
                User,
                {"username": username},
                {
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "is_active": True,
                    "is_staff": username in DEMO_STAFF_USERS,
                    "is_superuser": False,
                },
                # Only a new user gets the demo password: a rerun must not re-hash (or reset) it.
                on_create=set_demo_password,
            )
            self.link(user, outcome, "groups", [groups[role]])
            self.users[username] = user

        by_code: dict[str, Employee] = {}
        for code, username, first, last, trade, rate, domain, site_codes in employees:
            consent = username == "technician"  # the on-call technician shares location on call-outs
            employee, outcome = self.put(
                Employee,
                {"code": code},
                {
                    "user": self.users[username] if username else None,
                    "name": f"{first} {last}",
                    "trade": trade,
                    "email": f"{first}.{last}@{domain}".lower(),
                    "phone": f"+254 700 000 {code[-3:]}",
                    "hourly_rate": Decimal(rate),
                    "currency": DEMO_CURRENCY,
                    "active": True,
                },
            )
            self.link(employee, outcome, "sites", [self.areas[site] for site in site_codes])
            if consent:  # once: consent records are append-only, a rerun finds it
                ConsentRecord.objects.get_or_create(
                    employee=employee,
                    purpose=ConsentPurpose.LOCATION,
                    notice_version=DEMO_NOTICE_VERSION,
                    defaults={"given": True, "at": DEMO_CONSENT_AT, "notice_text": DEMO_NOTICE_TEXT},
                )
            by_code[code] = employee

        certifications = [
            ("CSE", "Confined space entry", "Directorate of Occupational Safety and Health Services", 24),
            ("HV-SW", "HV switching (11 kV)", "Energy and Petroleum Regulatory Authority", 36),
            ("CL2", "Chlorine handling", "Kenya Water Institute", 12),
            ("AUTOCLAVE", "Autoclave operator", "Directorate of Occupational Safety and Health Services", 24),
            ("BIOMED", "Biomedical equipment maintenance", "Kenya Medical Training College", 36),
        ]
        for code, name, body, months in certifications:
            self.certifications[code], _outcome = self.put(
                Certification,
                {"code": code},
                {"name": name, "issuing_body": body, "validity_months": months, "description": ""},
            )

        held = [
            # employee, certification, certificate number, valid from, valid to
            ("EMP-0101", "CSE", "DOSHS/CSE/2025/0417", datetime.date(2025, 3, 1), datetime.date(2027, 2, 28)),
            # Expires within 30 days of DEMO_TODAY: the "expiring soon" list has an entry.
            ("EMP-0101", "CL2", "KEWI/CL2/25/1188", datetime.date(2025, 12, 11), datetime.date(2026, 12, 10)),
            ("EMP-0102", "HV-SW", "EPRA/HV/2024/0093", datetime.date(2024, 6, 1), datetime.date(2027, 5, 31)),
            ("EMP-0102", "CL2", "KEWI/CL2/26/0204", datetime.date(2026, 4, 1), datetime.date(2027, 3, 31)),
            ("EMP-0102", "CSE", "DOSHS/CSE/2025/0418", datetime.date(2025, 3, 1), datetime.date(2027, 2, 28)),
            # Expired: work needing HV switching must not be given to Joseph until he renews.
            ("EMP-0105", "HV-SW", "EPRA/HV/2023/0311", datetime.date(2023, 9, 1), datetime.date(2026, 8, 31)),
            ("EMP-0105", "CSE", "DOSHS/CSE/2026/0102", datetime.date(2026, 2, 1), datetime.date(2028, 1, 31)),
            ("EMP-0106", "CL2", "KEWI/CL2/26/0377", datetime.date(2026, 6, 15), datetime.date(2027, 6, 14)),
            ("EMP-0201", "BIOMED", "KMTC/BME/2024/0056", datetime.date(2024, 1, 15), datetime.date(2027, 1, 14)),
            ("EMP-0201", "AUTOCLAVE", "DOSHS/PV/2025/0712", datetime.date(2025, 7, 1), datetime.date(2027, 6, 30)),
        ]
        for employee_code, certification_code, number, valid_from, valid_to in held:
            self.put(
                EmployeeCertification,
                {
                    "employee": by_code[employee_code],
                    "certification": self.certifications[certification_code],
                    "valid_from": valid_from,
                },
                {"certificate_number": number, "valid_to": valid_to},
            )
