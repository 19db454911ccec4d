"""The demo's fixed facts: its users and password, its "today", time zone and currency, the demo
time of each step of the plan programme's story, and the codes of its three sites.

Every date is fixed (``DEMO_TODAY``, not ``now()``), so "expiring" and "expired" mean the same on every run.
"""

from __future__ import annotations

import datetime
import zoneinfo

from core import roles

DEMO_PASSWORD = "mms-demo"
# (username, role group); the Makefile and README print this table.
DEMO_USERS: list[tuple[str, str]] = [
    ("technician", roles.TECHNICIAN),
    ("technician2", roles.TECHNICIAN),
    ("supervisor", roles.SUPERVISOR),
    ("planner", roles.PLANNER),
    ("storekeeper", roles.STOREKEEPER),
    ("requester", roles.REQUESTER),
    ("admin", roles.ADMINISTRATOR),
    ("integrator", roles.INTEGRATOR),
]
DEMO_STAFF_USERS = {"admin"}
# The demo's "today": certifications expire relative to it, readings lead up to it.
DEMO_TODAY = datetime.date(2026, 11, 23)
DEMO_TIME_ZONE = "Africa/Nairobi"
DEMO_CURRENCY = "KES"
DEMO_EMAIL_DOMAIN = "kisumu-water.example"
DEMO_CLINIC_EMAIL_DOMAIN = "kisumu-clinic.example"
DEMO_MANUAL_READING_WEEKS = 8  # one manual round a week, on the Monday morning
DEMO_SENSOR_READING_DAYS = 28  # SCADA totals once a day at local midnight
DEMO_MANUAL_READING_TIME = datetime.time(7, 30)
DEMO_CONSENT_AT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=zoneinfo.ZoneInfo(DEMO_TIME_ZONE))

# The plan programme's story, in demo time: drafted, submitted, approved and made effective (and the
# plans applied) in September; a second pump-inspection version drafted and a chlorinator change
# submitted in November.
DEMO_PLANS_DRAFTED = datetime.datetime.combine(
    DEMO_TODAY - datetime.timedelta(weeks=11), datetime.time(9, 0), tzinfo=zoneinfo.ZoneInfo(DEMO_TIME_ZONE)
)
DEMO_PLANS_SUBMITTED = DEMO_PLANS_DRAFTED + datetime.timedelta(days=4, hours=7)
DEMO_PLANS_APPROVED = DEMO_PLANS_DRAFTED + datetime.timedelta(days=7, hours=1, minutes=30)
DEMO_PLANS_EFFECTIVE = DEMO_PLANS_DRAFTED + datetime.timedelta(days=7, hours=2)
DEMO_PLANS_START = DEMO_TODAY - datetime.timedelta(weeks=7)  # first due dates count from here
DEMO_PUMP_V2_DRAFTED = DEMO_PLANS_DRAFTED + datetime.timedelta(weeks=10, hours=1)
DEMO_CHLORINE_V2_DRAFTED = DEMO_PLANS_DRAFTED + datetime.timedelta(weeks=9, hours=5)
DEMO_CHLORINE_V2_SUBMITTED = DEMO_PLANS_DRAFTED + datetime.timedelta(weeks=10, days=3, hours=6)

SITE_RIVERSIDE = "WTP-RIV"
SITE_HILLTOP = "RES-HIL"
SITE_CLINIC = "CLN-KDC"
