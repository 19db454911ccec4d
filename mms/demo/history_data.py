"""The demo history as data: how each kind of the demo's equipment fails, how often, who mends it, with
which parts and contractors; and the reasons people give for skipping, rejecting and reworking.

``mms.demo.history`` draws two years of work orders from these, with a seeded random generator.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from plans.models import Priority

# Trades, by the employees who practise them at each site (``EMP-...`` codes of ``mms.demo.people``).
MECHANICAL, ELECTRICAL, BIOMEDICAL = "mechanical", "electrical", "biomedical"
CREW = {
    # site code -> trade -> (lead employee, second pair of hands)
    "WTP-RIV": {MECHANICAL: ("EMP-0101", "EMP-0106"), ELECTRICAL: ("EMP-0105", "EMP-0101")},
    "RES-HIL": {MECHANICAL: ("EMP-0101", "EMP-0105"), ELECTRICAL: ("EMP-0105", "EMP-0101")},
    "CLN-KDC": {BIOMEDICAL: ("EMP-0201", "EMP-0201"), MECHANICAL: ("EMP-0201", "EMP-0201")},
}


@dataclass(frozen=True)
class Failure:
    """One way a kind of equipment fails (or needs corrective work), and what mending it takes.

    ``down``: the asset is reported down (a downtime period until the repair is accepted);
    ``hours``: the range of the repair's duration; ``people``: how many work on it (each logs the hours);
    ``wait_days``: days between release and the start of the work (parts or a contractor awaited);
    ``parts``: (part number, quantity) used; ``external``: (vendor code or "", what was bought, lowest
    and highest amount in the vendor's currency or KES); ``codes``: the (problem, cause, remedy) failure codes of ``orders.failures.DEFAULT_CODES``.
    """

    title: str
    down: bool
    hours: tuple[float, float]
    trade: str = MECHANICAL
    people: int = 1
    priority: int = Priority.HIGH
    wait_days: tuple[int, int] = (0, 0)
    parts: tuple[tuple[str, str], ...] = ()
    external: tuple[str, str, int, int] | None = None
    codes: tuple[str, str, str] = ("", "", "")


PUMP = [
    Failure(
        "Pump output down 30 %: impeller and wear rings worn",
        True,
        (5, 8),
        people=2,
        wait_days=(3, 7),
        external=("V-LPE", "Workshop overhaul: impeller, wear rings and shaft sleeve", 160000, 240000),
        codes=("LOO", "WEAR", "OVERHAUL"),
    ),
    Failure(
        "Mechanical seal leaking at the drive end",
        True,
        (3, 6),
        people=2,
        parts=(("MS-NK150-48", "1"),),
        codes=("ELP", "WEAR", "REPLACE"),
    ),
    Failure(
        "Pump bearing noisy and running hot",
        True,
        (4, 8),
        people=2,
        parts=(("BRG-6309-2Z", "2"),),
        codes=("NOI", "LUBRICATION", "REPLACE"),
    ),
    Failure(
        "Pump tripped on high vibration",
        True,
        (2, 4),
        wait_days=(0, 1),
        external=("V-LPE", "Laser alignment of pump and motor", 18000, 35000),
        codes=("VIB", "MISALIGNMENT", "ADJUST"),
    ),
    Failure(
        "Suction strainer blocked with lake weed",
        True,
        (1, 3),
        people=2,
        codes=("LOO", "BLOCKAGE", "CLEAN"),
    ),
    Failure(
        "Flange gasket weeping on the discharge side",
        False,
        (1, 2),
        priority=Priority.NORMAL,
        codes=("ELP", "WEAR", "ADJUST"),
    ),
]
MOTOR = [
    Failure(
        "Motor winding failed to earth: rewound at the workshop",
        True,
        (4, 6),
        trade=ELECTRICAL,
        people=2,
        wait_days=(5, 9),
        external=("V-LPE", "Motor rewind, 90 kW, with new bearings and a test certificate", 320000, 460000),
        codes=("UST", "ELECTRICAL", "REPLACE"),
    ),
    Failure("Motor tripped on overload", True, (1, 3), trade=ELECTRICAL, codes=("UST", "OVERHEAT", "RESET")),
    Failure(
        "Motor drive-end bearing failed",
        True,
        (6, 12),
        people=2,
        wait_days=(1, 3),
        parts=(("BRG-6312-2Z", "1"),),
        external=("V-LPE", "Motor workshop: bearing change, balancing and test run", 25000, 45000),
        codes=("NOI", "WEAR", "REPLACE"),
    ),
    Failure(
        "Motor running hot: fan cover clogged by lake flies",
        False,
        (0.5, 1),
        priority=Priority.NORMAL,
        codes=("OHE", "CONTAMINATION", "CLEAN"),
    ),
]
CHLORINATOR = [
    Failure(
        "Vacuum regulator not holding vacuum",
        True,
        (2, 4),
        priority=Priority.URGENT,
        parts=(("KIT-V10K-VR", "1"),),
        codes=("LOO", "WEAR", "REPLACE"),
    ),
    Failure(
        "Chlorine smell at the drum connection",
        True,
        (1, 2),
        people=2,
        priority=Priority.URGENT,
        parts=(("GSK-CL2-LEAD", "2"),),
        codes=("ELP", "WEAR", "REPLACE"),
    ),
    Failure("Injector blocked: no vacuum", True, (1, 2), codes=("LOO", "BLOCKAGE", "CLEAN")),
]
DOSING_PUMP = [
    Failure(
        "Pump output down 30 %: impeller and wear rings worn",
        True,
        (5, 8),
        people=2,
        wait_days=(3, 7),
        external=("V-LPE", "Workshop overhaul: impeller, wear rings and shaft sleeve", 160000, 240000),
        codes=("LOO", "WEAR", "OVERHAUL"),
    ),
    Failure(
        "Diaphragm ruptured: no hypochlorite dosing",
        True,
        (1, 3),
        priority=Priority.URGENT,
        parts=(("KIT-GMXA-DIA", "1"),),
        codes=("BRD", "WEAR", "REPLACE"),
    ),
    Failure(
        "Dosing pump losing prime (air in the suction line)",
        True,
        (0.5, 1.5),
        codes=("LOO", "OPERATION", "ADJUST"),
    ),
]
GENERATOR = [
    Failure(
        "Generator smoking black on load: turbocharger failed",
        True,
        (3, 5),
        people=2,
        wait_days=(4, 10),
        external=("V-NPS", "Turbocharger exchange unit, fitted", 180000, 260000),
        codes=("ERO", "WEAR", "REPLACE"),
    ),
    Failure(
        "Generator failed to start on the weekly test run",
        True,
        (2, 4),
        trade=ELECTRICAL,
        wait_days=(0, 2),
        external=("V-NPS", "Call-out: starter motor overhaul", 15000, 30000),
        codes=("FTS", "ELECTRICAL", "REPAIR"),
    ),
    Failure(
        "Radiator fan belt broken",
        True,
        (1, 2),
        parts=(("VB-XPA-1250", "1"),),
        codes=("OHE", "WEAR", "REPLACE"),
    ),
    Failure(
        "Generator surging on load: fuel filter clogged",
        True,
        (1, 2),
        parts=(("FLT-FUEL-FS1280", "1"),),
        codes=("ERO", "CONTAMINATION", "REPLACE"),
    ),
    Failure(
        "Battery charger showing fault",
        False,
        (1, 2),
        trade=ELECTRICAL,
        priority=Priority.NORMAL,
        codes=("PDE", "ELECTRICAL", "REPAIR"),
    ),
]
FLOW_METER = [
    Failure(
        "Flow meter reading zero (empty-pipe alarm)",
        True,
        (1, 3),
        trade=ELECTRICAL,
        codes=("AIR", "CONTAMINATION", "CLEAN"),
    ),
    Failure(
        "Transmitter display dead after a lightning storm",
        True,
        (2, 4),
        trade=ELECTRICAL,
        wait_days=(2, 6),
        external=("V-LPE", "MAG 6000 transmitter board exchange", 40000, 65000),
        codes=("BRD", "ELECTRICAL", "REPLACE"),
    ),
]
VEHICLE = [
    Failure(
        "Puncture: rear tyre replaced",
        True,
        (1, 2),
        priority=Priority.NORMAL,
        external=("", "Tyre centre, Kisumu: tyre 265/65 R17", 14000, 19000),
        codes=("STD", "EXTERNAL", "REPLACE"),
    ),
    Failure(
        "Brakes squealing: front pads worn",
        True,
        (1, 2),
        wait_days=(0, 2),
        external=("", "Dealer workshop: front brake pads and discs skimmed", 12000, 21000),
        codes=("NOI", "WEAR", "REPLACE"),
    ),
    Failure("Vehicle battery flat", True, (0.5, 1), trade=ELECTRICAL, codes=("FTS", "ELECTRICAL", "REPLACE")),
]
TANK = [
    Failure(
        "Access hatch hinge broken",
        False,
        (1, 2),
        priority=Priority.NORMAL,
        codes=("STD", "CORROSION", "REPAIR"),
    ),
    Failure(
        "Level sensor cable chewed by rodents",
        False,
        (1, 3),
        trade=ELECTRICAL,
        codes=("AIR", "EXTERNAL", "REPAIR"),
    ),
]
BOOSTER = [
    Failure(
        "Booster pump tripped with a drive fault",
        True,
        (2, 4),
        trade=ELECTRICAL,
        wait_days=(0, 1),
        external=("V-LPE", "Grundfos service engineer: CUE drive fault finding and reset", 20000, 40000),
        codes=("UST", "ELECTRICAL", "RESET"),
    ),
    Failure(
        "Non-return valve passing: set cycling at night",
        True,
        (3, 5),
        people=2,
        codes=("ERO", "WEAR", "REPAIR"),
    ),
    Failure(
        "Pressure transmitter failed: set running erratically",
        True,
        (1, 2),
        trade=ELECTRICAL,
        codes=("AIR", "ELECTRICAL", "REPLACE"),
    ),
    Failure(
        "Shaft seal leaking on pump 1 of the set",
        True,
        (2, 4),
        people=2,
        wait_days=(1, 4),
        external=("V-LPE", "CR 32 shaft seal kit", 28000, 42000),
        codes=("ELP", "WEAR", "REPLACE"),
    ),
]
RESERVOIR = [
    Failure(
        "Float valve sticking: reservoir overflowing",
        False,
        (1, 3),
        people=2,
        codes=("ELP", "CORROSION", "REPAIR"),
    ),
]
AUTOCLAVE = [
    Failure(
        "Door gasket leaking steam",
        True,
        (1, 2),
        trade=BIOMEDICAL,
        priority=Priority.URGENT,
        wait_days=(0, 3),
        parts=(("GSK-3870-DOOR", "1"),),
        codes=("ELP", "WEAR", "REPLACE"),
    ),
    Failure(
        "Cycle aborted: low temperature fault",
        True,
        (2, 4),
        trade=BIOMEDICAL,
        priority=Priority.URGENT,
        wait_days=(1, 4),
        external=("V-MEA", "Tuttnauer service visit: temperature probe recalibration", 180, 320),
        codes=("PDE", "CONTROL", "ADJUST"),
    ),
    Failure(
        "Chamber not draining: strainer blocked",
        True,
        (0.5, 1.5),
        trade=BIOMEDICAL,
        codes=("PLU", "CONTAMINATION", "CLEAN"),
    ),
]
CONCENTRATOR = [
    Failure(
        "Low oxygen-purity alarm",
        True,
        (1, 3),
        trade=BIOMEDICAL,
        wait_days=(2, 8),
        parts=(("FLT-OC-INLET", "1"), ("FLT-OC-CABINET", "1")),
        external=("V-MEA", "Sieve bed pair, exchanged", 250, 400),
        codes=("LOO", "WEAR", "REPLACE"),
    ),
    Failure(
        "High-temperature alarm: filters clogged",
        True,
        (0.5, 1),
        trade=BIOMEDICAL,
        parts=(("FLT-OC-CABINET", "1"),),
        codes=("OHE", "CONTAMINATION", "REPLACE"),
    ),
    Failure(
        "Flow-meter knob broken off",
        False,
        (0.5, 1),
        trade=BIOMEDICAL,
        priority=Priority.NORMAL,
        codes=("STD", "OPERATION", "REPAIR"),
    ),
]
CLINIC_GENERATOR = [
    Failure(
        "Generator smoking black on load: turbocharger failed",
        True,
        (3, 5),
        people=2,
        wait_days=(4, 10),
        external=("V-NPS", "Turbocharger exchange unit, fitted", 180000, 260000),
        codes=("ERO", "WEAR", "REPLACE"),
    ),
    Failure(
        "Generator did not take the load on a mains failure (ATS)",
        True,
        (2, 4),
        priority=Priority.URGENT,
        wait_days=(0, 1),
        external=("V-NPS", "Call-out: ATS controller repair", 20000, 40000),
        codes=("FTS", "ELECTRICAL", "REPAIR"),
    ),
    Failure(
        "Generator surging on load: fuel filter clogged",
        True,
        (1, 2),
        parts=(("FLT-FUEL-FS1280", "1"),),
        codes=("ERO", "CONTAMINATION", "REPLACE"),
    ),
]

# tag -> (is a container, how it fails, corrective orders a year)
EQUIPMENT: dict[str, tuple[bool, list[Failure], float]] = {
    "RIV-RWP-01": (False, PUMP, 4.0),
    "RIV-RWP-02": (False, PUMP, 4.0),
    "RIV-RWP-03": (False, PUMP, 1.5),
    "RIV-RWP-01-M": (False, MOTOR, 1.5),
    "RIV-RWP-02-M": (False, MOTOR, 1.5),
    "RIV-RWP-03-M": (False, MOTOR, 0.5),
    "RIV-CHL-01": (False, CHLORINATOR, 3.0),
    "RIV-CHL-02": (False, DOSING_PUMP, 3.0),
    "RIV-GEN-01": (False, GENERATOR, 2.0),
    "RIV-FM-01": (False, FLOW_METER, 1.0),
    "RIV-FM-02": (False, FLOW_METER, 0.5),
    "RIV-VEH-01": (True, VEHICLE, 3.0),
    "RIV-CWT-01": (True, TANK, 1.0),
    "HIL-BPS-01": (False, BOOSTER, 6.0),
    "HIL-RES-01": (True, RESERVOIR, 1.5),
    "KDC-AC-01": (False, AUTOCLAVE, 4.0),
    "KDC-OC-01": (False, CONCENTRATOR, 3.0),
    "KDC-OC-02": (False, CONCENTRATOR, 3.0),
    "KDC-GEN-01": (False, CLINIC_GENERATOR, 2.0),
}

SKIP_REASONS = [
    "Plant shut down for the intake channel desilting; nothing to check.",
    "Chlorine room closed for the drum change-over by the supplier.",
    "Operator on leave and no cover; checked on the next round.",
    "Public holiday: the check moved to the next week's round.",
]
REJECT_REASONS = [
    "Not a fault: the standby unit is stopped by design.",
    "Already covered by the monthly inspection due this week.",
    "Outside the plant's scope: the county roads department maintains this.",
]
CANCEL_REASONS = ["Reported by mistake on the wrong asset.", "Came back on by itself after the power dip."]
REWORK_REASONS = [
    "Still leaking after the run-in; reseat and test again.",
    "Alarm came back within the hour; find the real cause.",
    "Vibration still above 4.5 mm/s after the repair.",
]
# What the backlog's open requests ask for (tag, title, priority).
BACKLOG = [
    ("RIV-RWP-01", "Bearing temperature rising on the trend: check lubrication", Priority.HIGH),
    ("RIV-CWT-01", "Repaint the access ladder (rust)", Priority.LOW),
    ("RIV-FM-02", "Verify the treated-water meter against the clamp-on meter", Priority.NORMAL),
    ("RIV-GEN-01", "Exhaust lagging torn near the silencer", Priority.NORMAL),
    ("RIV-CHL-01", "Replace the corroded chlorine-room door closer", Priority.LOW),
    ("RIV-RWP-03-M", "Motor terminal box gasket perished", Priority.NORMAL),
    ("RIV-VEH-01", "Air conditioning not cooling", Priority.LOW),
    ("HIL-BPS-01", "Pressure vessel pre-charge low", Priority.HIGH),
    ("HIL-RES-01", "Fence damaged on the north side of the compound", Priority.NORMAL),
    ("KDC-AC-01", "Printer of the cycle log not printing", Priority.NORMAL),
    ("KDC-OC-01", "Humidifier bottle holder cracked", Priority.LOW),
    ("KDC-GEN-01", "Fuel gauge reads empty with a full tank", Priority.NORMAL),
    ("RIV-RWP-02", "Coupling guard bolts missing after the seal repair", Priority.HIGH),
    ("RIV-CHL-02", "Hypochlorite day tank level gauge cloudy", Priority.LOW),
]

# Contracts that ran over the history (the demo's current ones are ``mms.demo.inventory``'s): number, kind,
# title, vendor code, tags covered, starts on, ends on, value, currency.
CONTRACTS = [
    ("S-NPS-2025-04", "service", "Generator service agreement 2025", "V-NPS", ["RIV-GEN-01"],
     datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), "220000.00", "KES"),
    ("S-LPE-2025-01", "service", "Pump and motor maintenance agreement", "V-LPE",
     ["RIV-RWP-01", "RIV-RWP-02", "RIV-RWP-03", "RIV-RWP-01-M", "RIV-RWP-02-M", "RIV-RWP-03-M", "HIL-BPS-01"],
     datetime.date(2025, 1, 1), datetime.date(2026, 12, 31), "3600000.00", "KES"),
    ("S-KIS-2024-09", "service", "Chlorination equipment service", "V-KIS", ["RIV-CHL-01", "RIV-CHL-02"],
     datetime.date(2024, 9, 1), datetime.date(2025, 8, 31), "180000.00", "KES"),
    ("S-MEA-2025-02", "service", "Biomedical equipment maintenance agreement", "V-MEA",
     ["KDC-AC-01", "KDC-OC-01", "KDC-OC-02"], datetime.date(2025, 2, 1), datetime.date(2027, 1, 31), "9600.00", "USD"),
]  # fmt: skip
# The contracts' invoices, recorded as external costs against the contract's number: contract number,
# vendor, site, first and last day invoiced, months per invoice, amount per invoice, currency.
CONTRACT_INVOICES = [
    ("S-NPS-2025-04", "V-NPS", "WTP-RIV", datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), 3, "55000", "KES"),
    ("S-NPS-2026-07", "V-NPS", "WTP-RIV", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), 3, "60000", "KES"),
    ("S-LPE-2025-01", "V-LPE", "WTP-RIV", datetime.date(2025, 1, 1), datetime.date(2026, 12, 31), 1, "110000", "KES"),
    ("S-LPE-2025-01", "V-LPE", "RES-HIL", datetime.date(2025, 1, 1), datetime.date(2026, 12, 31), 1, "40000", "KES"),
    ("S-KIS-2024-09", "V-KIS", "WTP-RIV", datetime.date(2024, 9, 1), datetime.date(2025, 8, 31), 3, "45000", "KES"),
    ("S-MEA-2025-02", "V-MEA", "CLN-KDC", datetime.date(2025, 2, 1), datetime.date(2027, 1, 31), 3, "1200", "USD"),
]  # fmt: skip
# The sites' maintenance budgets: (site, year, currency) -> amount. Riverside's for this year is
# ``mms.demo.inventory``'s (4,500,000 KES).
BUDGETS = {
    ("WTP-RIV", 2025, "KES"): "4200000.00",
    ("WTP-RIV", 2027, "KES"): "4800000.00",
    ("RES-HIL", 2025, "KES"): "800000.00",
    ("RES-HIL", 2026, "KES"): "850000.00",
    ("RES-HIL", 2027, "KES"): "900000.00",
    ("CLN-KDC", 2025, "KES"): "500000.00",
    ("CLN-KDC", 2026, "KES"): "500000.00",
    ("CLN-KDC", 2027, "KES"): "550000.00",
    ("CLN-KDC", 2025, "USD"): "8000.00",
    ("CLN-KDC", 2026, "USD"): "8000.00",
    ("CLN-KDC", 2027, "USD"): "8500.00",
}
