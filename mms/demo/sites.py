"""The demo's three sites and their buildings, floors and spaces."""

from __future__ import annotations

from decimal import Decimal

from assets.models import AreaKind
from mms.demo.base import LoaderBase
from mms.demo.constants import DEMO_TIME_ZONE, SITE_CLINIC, SITE_HILLTOP, SITE_RIVERSIDE


class SitesLoader(LoaderBase):
    """Loads the area tree: Riverside treatment plant, Hilltop booster station and the district clinic."""

    def load_areas(self) -> None:
        """The three sites and the buildings, floors and spaces in them."""
        self.area(
            SITE_RIVERSIDE,
            AreaKind.SITE,
            "Riverside Water Treatment Plant",
            time_zone=DEMO_TIME_ZONE,
            latitude=Decimal("-0.137512"),
            longitude=Decimal("34.739840"),
            address="Dunga Road, off Kisumu-Kendu Bay Road\nP.O. Box 1402-40100\nKisumu, Kenya",
            outline={
                "type": "Polygon",
                "coordinates": [
                    [[34.7386, -0.1366], [34.7411, -0.1366], [34.7411, -0.1385], [34.7386, -0.1385], [34.7386, -0.1366]]
                ],
            },
        )
        self.area("WTP-RIV-INT", AreaKind.BUILDING, "Intake and raw-water pump house", SITE_RIVERSIDE)
        self.area("WTP-RIV-INT-PH", AreaKind.SPACE, "Pump hall", "WTP-RIV-INT")
        self.area("WTP-RIV-INT-MCC", AreaKind.SPACE, "Motor control centre room", "WTP-RIV-INT")
        self.area("WTP-RIV-TRT", AreaKind.BUILDING, "Treatment building", SITE_RIVERSIDE)
        self.area("WTP-RIV-TRT-GF", AreaKind.FLOOR, "Ground floor", "WTP-RIV-TRT")
        self.area("WTP-RIV-TRT-GF-FG", AreaKind.SPACE, "Filter gallery", "WTP-RIV-TRT-GF")
        self.area("WTP-RIV-TRT-GF-LAB", AreaKind.SPACE, "Water quality laboratory", "WTP-RIV-TRT-GF")
        self.area("WTP-RIV-TRT-1F", AreaKind.FLOOR, "First floor", "WTP-RIV-TRT")
        self.area("WTP-RIV-TRT-1F-CR", AreaKind.SPACE, "Control room (SCADA)", "WTP-RIV-TRT-1F")
        self.area("WTP-RIV-CHM", AreaKind.BUILDING, "Chemical store and dosing house", SITE_RIVERSIDE)
        self.area("WTP-RIV-CHM-CL2", AreaKind.SPACE, "Chlorine room", "WTP-RIV-CHM")
        self.area("WTP-RIV-CHM-HYP", AreaKind.SPACE, "Hypochlorite store", "WTP-RIV-CHM")
        self.area("WTP-RIV-GEN", AreaKind.BUILDING, "Generator house", SITE_RIVERSIDE)
        self.area("WTP-RIV-YRD", AreaKind.ZONE, "Clear-water tank and vehicle yard", SITE_RIVERSIDE)

        self.area(
            SITE_HILLTOP,
            AreaKind.SITE,
            "Hilltop Reservoir & Booster Station",
            time_zone=DEMO_TIME_ZONE,
            latitude=Decimal("-0.041870"),
            longitude=Decimal("34.801520"),
            address="Kajulu Hill, Kisumu East\nKisumu, Kenya",
        )
        self.area("RES-HIL-BPH", AreaKind.BUILDING, "Booster pump house", SITE_HILLTOP)
        self.area("RES-HIL-CMP", AreaKind.SPACE, "Reservoir compound", SITE_HILLTOP)

        self.area(
            SITE_CLINIC,
            AreaKind.SITE,
            "Kisumu District Clinic",
            time_zone=DEMO_TIME_ZONE,
            latitude=Decimal("-0.091650"),
            longitude=Decimal("34.767930"),
            address="Jomo Kenyatta Highway\nP.O. Box 849-40100\nKisumu, Kenya",
        )
        self.area("CLN-KDC-MB", AreaKind.BUILDING, "Main block", SITE_CLINIC)
        self.area("CLN-KDC-MB-GF", AreaKind.FLOOR, "Ground floor", "CLN-KDC-MB")
        self.area("CLN-KDC-MB-GF-CSSD", AreaKind.SPACE, "Sterile services (CSSD)", "CLN-KDC-MB-GF")
        self.area("CLN-KDC-MB-GF-WA", AreaKind.SPACE, "Ward A (medical)", "CLN-KDC-MB-GF")
        self.area("CLN-KDC-MB-GF-MAT", AreaKind.SPACE, "Maternity ward", "CLN-KDC-MB-GF")
        self.area("CLN-KDC-UTL", AreaKind.BUILDING, "Generator and utilities house", SITE_CLINIC)
