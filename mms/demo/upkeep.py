"""The demo's resource types with their spare-parts lists, and the downtime of the equipment that is down
or on hold (with one past breakdown), so the resource page shows what a running system would."""

from __future__ import annotations

import datetime
from decimal import Decimal

from assets.models import EntityStatus, ResourceType
from inventory.models import Part, SparePart
from mms.demo.base import LoaderBase, _at
from mms.demo.constants import DEMO_TODAY
from orders.models import DowntimeKind, DowntimePeriod

# name -> (manufacturer, model number, [(part number, quantity)])
RESOURCE_TYPES = {
    "Grundfos NK 150-315 end-suction pump": (
        "Grundfos",
        "NK 150-315/305 A2-F-A-E-BAQE",
        [("MS-NK150-48", "1"), ("BRG-6309-2Z", "2")],
    ),
    "WEG W22 IE3 90 kW motor": ("WEG", "W22 IE3 90 kW 4P 280S/M", [("BRG-6312-2Z", "1")]),
    "Philips EverFlo oxygen concentrator": (
        "Philips Respironics",
        "EverFlo 1020000",
        [("FLT-OC-INLET", "1"), ("FLT-OC-CABINET", "1")],
    ),
}
# Spare parts of one resource, beyond its type's: tag -> [(part number, quantity)]
RESOURCE_SPARES = {
    "RIV-GEN-01": [
        ("FLT-OIL-LF3000", "2"),
        ("FLT-FUEL-FS1280", "2"),
        ("FLT-AIR-AF25139", "1"),
        ("VB-XPA-1250", "2"),
        ("OIL-15W40", "22"),
    ],
    "KDC-AC-01": [("GSK-3870-DOOR", "1")],
}


class UpkeepLoader(LoaderBase):
    """Resource types (before the equipment that refers to them), spare parts and downtime (after)."""

    def load_resource_types(self) -> None:
        """The types the demo's pumps, motors and concentrators are of."""
        for name, (manufacturer, model_number, _parts) in RESOURCE_TYPES.items():
            self.resource_types[name], _outcome = self.put(
                ResourceType, {"name": name}, {"manufacturer": manufacturer, "model_number": model_number}
            )

    def load_spare_parts(self) -> None:
        """Each type's spare-parts list, and the lists of single machines (the generator, the autoclave)."""
        parts = {part.part_number: part for part in Part.objects.all()}
        for name, (_manufacturer, _model, lines) in RESOURCE_TYPES.items():
            for number, quantity in lines:
                self.put(
                    SparePart,
                    {"resource_type": self.resource_types[name], "part": parts[number]},
                    {"quantity": Decimal(quantity)},
                )
        for tag, lines in RESOURCE_SPARES.items():
            for number, quantity in lines:
                self.put(
                    SparePart, {"resource": self.resources[tag], "part": parts[number]}, {"quantity": Decimal(quantity)}
                )

    def load_downtime(self) -> None:
        """An open period for each machine the demo has down or on hold, and a past breakdown of a pump."""
        for resource in self.resources.values():
            if resource.status not in (EntityStatus.DOWN, EntityStatus.ON_HOLD):
                continue
            down = resource.status == EntityStatus.DOWN
            self.put(
                DowntimePeriod,
                {"resource": resource, "ended_at": None},
                {
                    "kind": DowntimeKind.DOWN if down else DowntimeKind.ON_HOLD,
                    "started_at": _at(DEMO_TODAY - datetime.timedelta(days=14 if down else 9), datetime.time(7, 30)),
                    "reason": resource.description,
                },
            )
        breakdown_day = DEMO_TODAY - datetime.timedelta(weeks=5)
        self.put(
            DowntimePeriod,
            {"resource": self.resources["RIV-RWP-02"], "started_at": _at(breakdown_day, datetime.time(5, 40))},
            {
                "kind": DowntimeKind.DOWN,
                "ended_at": _at(breakdown_day, datetime.time(13, 15)),
                "reason": "Mechanical seal leaking at the drive end; duty switched to pump 3.",
                "close_note": "Seal replaced (MS-NK150-48), run in for an hour, back on duty.",
            },
        )
