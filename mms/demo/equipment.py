"""The demo's equipment: resources, containers and material lots at each site, with counters and
weeks of readings leading up to ``DEMO_TODAY``."""

from __future__ import annotations

import datetime
from decimal import Decimal

from assets.models import CounterKind, Criticality, EntityStatus, Material, ReadingSource
from mms.demo.base import LoaderBase


class EquipmentLoader(LoaderBase):
    """Loads the equipment of the three sites and its readings."""

    def load_equipment(self) -> None:
        """Pumps, chlorinators, generators, meters, tanks, a vehicle, the clinic's equipment and chemical lots,
        with their counters and readings."""
        technician, technician2, gateway = (self.users[name] for name in ("technician", "technician2", "integrator"))
        weekly, daily = self.weekly_times(), self.daily_times()
        weeks = len(weekly)

        # Riverside: three duty/duty/standby raw-water pumps with their motors.
        # fmt: off
        pumps = [
            # tag, serial, purchased, installed, warranty end, hours and starts at the first reading, then a week
            ("RIV-RWP-01", "NK150315-A-19-4711", "2019-02-14", "2019-04-02", "2021-04-01", "38210.0", "4266", "138", "11"),
            ("RIV-RWP-02", "NK150315-A-19-4712", "2019-02-14", "2019-04-02", "2021-04-01", "36974.5", "4130", "131", "10"),
            ("RIV-RWP-03", "NK150315-A-24-0936", "2024-05-20", "2024-06-11", "2026-06-10", "4120.0", "611", "46", "4"),
        ]
        # fmt: on
        for number, pump_data in enumerate(pumps, start=1):
            tag, serial, purchased, installed, warranty, hours, starts_at, per_week, starts_per_week = pump_data
            pump = self.resource(
                tag,
                f"Raw-water pump {number}",
                "WTP-RIV-INT-PH",
                resource_type=self.resource_types["Grundfos NK 150-315 end-suction pump"],
                manufacturer="Grundfos",
                model_number="NK 150-315/305 A2-F-A-E-BAQE",
                serial_number=serial,
                purchase_date=datetime.date.fromisoformat(purchased),
                installation_date=datetime.date.fromisoformat(installed),
                warranty_end=datetime.date.fromisoformat(warranty),
                criticality=Criticality.HIGH,
                status=EntityStatus.IN_SERVICE,
                description="End-suction pump, 420 m³/h at 38 m, lifting lake water to the treatment building."
                + (" Standby unit." if number == 3 else " Duty unit."),
            )
            self.resource(
                f"{tag}-M",
                f"Motor of raw-water pump {number}",
                "WTP-RIV-INT-PH",
                parent=pump,
                resource_type=self.resource_types["WEG W22 IE3 90 kW motor"],
                manufacturer="WEG",
                model_number="W22 IE3 90 kW 4P 280S/M",
                serial_number=f"1{serial[-4:]}0{number}77",
                purchase_date=datetime.date.fromisoformat(purchased),
                installation_date=datetime.date.fromisoformat(installed),
                warranty_end=datetime.date.fromisoformat(warranty),
                criticality=Criticality.HIGH,
            )
            hours_counter = self.counter(pump, "Operating hours", CounterKind.CUMULATIVE, "h")
            starts_counter = self.counter(pump, "Starts", CounterKind.CUMULATIVE, "cycles")
            self.readings(hours_counter, self.cumulative(hours, per_week, weeks), weekly, entered_by=technician)
            starts = self.cumulative(starts_at, starts_per_week, weeks, resolution="1")
            self.readings(starts_counter, starts, weekly, entered_by=technician)
        bearing = self.counter(
            self.resources["RIV-RWP-01"],
            "Bearing temperature (drive end)",
            CounterKind.GAUGE,
            "°C",
            "Infrared reading on the pump bearing housing; alarm above 80 °C.",
        )
        # Rising: the bearing is wearing, and a planner should see it on the trend.
        temperatures = ["61.5", "62.0", "63.2", "62.8", "64.1", "66.5", "68.0", "71.2"]
        self.readings(bearing, [Decimal(value) for value in temperatures], weekly, entered_by=technician)

        self.resource(
            "RIV-CHL-01",
            "Gas chlorinator",
            "WTP-RIV-CHM-CL2",
            manufacturer="Evoqua",
            model_number="V10K 10 kg/h vacuum chlorinator",
            serial_number="V10K-21-03388",
            purchase_date=datetime.date(2021, 8, 3),
            installation_date=datetime.date(2021, 9, 20),
            warranty_end=datetime.date(2023, 9, 19),
            criticality=Criticality.CRITICAL,
            description="Main disinfection on 900 kg chlorine drums; hypochlorite dosing is the backup.",
        )
        self.resource(
            "RIV-CHL-02",
            "Hypochlorite dosing pump",
            "WTP-RIV-CHM-HYP",
            manufacturer="ProMinent",
            model_number="gamma/ X GMXa 1604 PVT",
            serial_number="2023085471",
            purchase_date=datetime.date(2023, 2, 10),
            installation_date=datetime.date(2023, 3, 1),
            warranty_end=datetime.date(2025, 2, 28),
            criticality=Criticality.HIGH,
        )
        generator = self.resource(
            "RIV-GEN-01",
            "Standby diesel generator",
            "WTP-RIV-GEN",
            manufacturer="Cummins",
            model_number="C150 D5",
            serial_number="K19-0612345",
            purchase_date=datetime.date(2019, 1, 22),
            installation_date=datetime.date(2019, 3, 15),
            warranty_end=datetime.date(2021, 3, 14),
            criticality=Criticality.CRITICAL,
            description="150 kVA prime / 165 kVA standby; starts on mains failure (ATS). Weekly test run 30 min.",
        )
        self.readings(
            self.counter(generator, "Operating hours", CounterKind.CUMULATIVE, "h"),
            self.cumulative("2874.5", "4.5", weeks),
            weekly,
            entered_by=technician,
        )
        self.readings(
            self.counter(generator, "Starts", CounterKind.CUMULATIVE, "cycles"),
            self.cumulative("1312", "2", weeks, resolution="1"),
            weekly,
            entered_by=technician,
        )
        # fmt: off
        meters = [
            ("RIV-FM-01", "Raw-water flow meter", "WTP-RIV-INT-PH", "DN300", "7ME6520-5HF12-2AA2", "N1H8403112", "18450210", "9850"),
            ("RIV-FM-02", "Treated-water flow meter", "WTP-RIV-TRT-GF-FG", "DN250", "7ME6520-5DF12-2AA2", "N1H8403287", "17230455", "9420"),
        ]
        # fmt: on
        for tag, name, area, size, order_number, serial, total, per_day in meters:
            meter = self.resource(
                tag,
                name,
                area,
                manufacturer="Siemens",
                model_number=f"SITRANS FM MAG 5100 W {size} ({order_number}) with MAG 6000",
                serial_number=serial,
                purchase_date=datetime.date(2019, 2, 1),
                installation_date=datetime.date(2019, 4, 2),
                warranty_end=datetime.date(2021, 4, 1),
                criticality=Criticality.MEDIUM,
            )
            volume = self.counter(meter, "Totalised volume", CounterKind.CUMULATIVE, "m³", "Totaliser read by SCADA.")
            self.readings(
                volume,
                self.cumulative(total, per_day, len(daily)),
                daily,
                source=ReadingSource.SENSOR,
                entered_by=gateway,
            )
        clear_water = self.container(
            "RIV-CWT-01",
            "Clear-water tank",
            "WTP-RIV-YRD",
            container_type="tank",
            capacity=Decimal("1500.000"),
            capacity_unit="m³",
            status=EntityStatus.IN_SERVICE,
            description="Reinforced-concrete contact tank; cleaned and inspected every two years (confined space).",
        )
        residuals = ["0.8", "0.7", "0.9", "0.6", "0.8", "0.5", "0.7", "0.9"]
        self.readings(
            self.counter(clear_water, "Free chlorine residual", CounterKind.GAUGE, "mg/L", "Target 0.5 to 1.0 mg/L."),
            [Decimal(value) for value in residuals],
            weekly,
            entered_by=technician,
        )
        vehicle = self.container(
            "RIV-VEH-01",
            "Service vehicle KDA 482M (Toyota Hilux double cab)",
            "WTP-RIV-YRD",
            container_type="vehicle",
            capacity=None,
            capacity_unit="",
            status=EntityStatus.IN_SERVICE,
            description="Crew vehicle for the booster station and network call-outs. Service every 10,000 km.",
        )
        self.readings(
            self.counter(vehicle, "Odometer", CounterKind.CUMULATIVE, "km"),
            self.cumulative("84215", "410", weeks),
            weekly,
            entered_by=technician,
        )
        self.put(
            Material,
            {"code": "CHEM-NAOCL-12", "lot_number": "NH-2609-114"},
            {
                "name": "Sodium hypochlorite 12.5% (bulk)",
                "area": self.areas["WTP-RIV-CHM-HYP"],
                "quantity": Decimal("1800.000"),
                "unit": "l",
                "expiry_date": datetime.date(2027, 1, 15),
                "description": "Loses strength in storage: use first in, first out; keep out of the sun.",
            },
        )
        self.put(
            Material,
            {"code": "CHEM-ALUM", "lot_number": "AS-2610-031"},
            {
                "name": "Aluminium sulphate, granular (alum)",
                "area": self.areas["WTP-RIV-CHM"],
                "quantity": Decimal("12500.000"),
                "unit": "kg",
                "expiry_date": None,
                "description": "Coagulant; 50 kg bags on pallets.",
            },
        )

        # Hilltop: one booster set and the reservoir.
        booster = self.resource(
            "HIL-BPS-01",
            "Booster pump set",
            "RES-HIL-BPH",
            manufacturer="Grundfos",
            model_number="Hydro MPC-E 3 CRE 32-2",
            serial_number="99145562-0007",
            purchase_date=datetime.date(2022, 10, 4),
            installation_date=datetime.date(2022, 11, 18),
            warranty_end=datetime.date(2024, 11, 17),
            criticality=Criticality.HIGH,
        )
        self.readings(
            self.counter(booster, "Operating hours", CounterKind.CUMULATIVE, "h"),
            self.cumulative("17640.0", "152", weeks),
            weekly,
            entered_by=technician,
        )
        self.container(
            "HIL-RES-01",
            "Hilltop reservoir",
            "RES-HIL-CMP",
            container_type="reservoir",
            capacity=Decimal("2500.000"),
            capacity_unit="m³",
            status=EntityStatus.IN_SERVICE,
            description="Two-compartment ground reservoir feeding Kajulu and Mamboleo by gravity.",
        )

        # Clinic: sterilisation, oxygen and backup power.
        autoclave = self.resource(
            "KDC-AC-01",
            "Autoclave",
            "CLN-KDC-MB-GF-CSSD",
            manufacturer="Tuttnauer",
            model_number="3870EA",
            serial_number="3870EA-2204117",
            purchase_date=datetime.date(2022, 3, 8),
            installation_date=datetime.date(2022, 4, 4),
            warranty_end=datetime.date(2024, 4, 3),
            criticality=Criticality.CRITICAL,
            description="85 l automatic benchtop autoclave for theatre and maternity instrument sets.",
        )
        self.readings(
            self.counter(autoclave, "Sterilisation cycles", CounterKind.CUMULATIVE, "cycles"),
            self.cumulative("4381", "24", weeks, resolution="1"),
            weekly,
            entered_by=technician2,
        )
        concentrators = [
            ("KDC-OC-01", "CLN-KDC-MB-GF-WA", "EF1210071845", EntityStatus.IN_SERVICE, "21870.0", None, ""),
            (
                "KDC-OC-02",
                "CLN-KDC-MB-GF-MAT",
                "EF1221104472",
                EntityStatus.DOWN,
                "14512.0",
                weeks - 2,  # stopped running two weeks ago
                "Down since the low oxygen-purity alarm (below 82 %); sieve beds suspected.",
            ),
        ]
        for number, (tag, area, serial, status, hours, stop_after, note) in enumerate(concentrators, start=1):
            concentrator = self.resource(
                tag,
                f"Oxygen concentrator {number}",
                area,
                resource_type=self.resource_types["Philips EverFlo oxygen concentrator"],
                manufacturer="Philips Respironics",
                model_number="EverFlo 1020000",
                serial_number=serial,
                purchase_date=datetime.date(2021, 6, 21),
                installation_date=datetime.date(2021, 7, 5),
                warranty_end=datetime.date(2024, 7, 4),
                criticality=Criticality.HIGH,
                status=status,
                description=note,
            )
            self.readings(
                self.counter(concentrator, "Operating hours", CounterKind.CUMULATIVE, "h"),
                self.cumulative(hours, "120", weeks, stop_after=stop_after),
                weekly,
                entered_by=technician2,
            )
        clinic_generator = self.resource(
            "KDC-GEN-01",
            "Standby diesel generator",
            "CLN-KDC-UTL",
            manufacturer="Cummins",
            model_number="C44 D5",
            serial_number="K18-0574102",
            purchase_date=datetime.date(2018, 9, 12),
            installation_date=datetime.date(2018, 10, 29),
            warranty_end=datetime.date(2020, 10, 28),
            criticality=Criticality.CRITICAL,
            status=EntityStatus.ON_HOLD,
            description="On hold: 500-hour service overdue; run only on mains failure until serviced.",
        )
        self.readings(
            self.counter(clinic_generator, "Operating hours", CounterKind.CUMULATIVE, "h"),
            self.cumulative("6218.0", "9", weeks),
            weekly,
            entered_by=technician2,
        )
