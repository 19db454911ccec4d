"""The COBie 2.4 workbook: its sheets, their columns in the standard order, and the other spellings
that real files use (COBie UK 2012/2014, older 2.26 templates, writers that add spaces or change case).

Headers and sheet names are matched after ``normalise`` (lower case, letters and digits only), so
``Floor Name``, ``floorname`` and ``FloorName`` are one column.
"""

from __future__ import annotations

import re

EXT = ["ExtSystem", "ExtObject", "ExtIdentifier"]
CREATED = ["CreatedBy", "CreatedOn"]

# Sheet -> its columns, in the order COBie 2.4 gives them.
COLUMNS: dict[str, list[str]] = {
    "Contact": [
        "Email",
        *CREATED,
        "Category",
        "Company",
        "Phone",
        "ExternalSystem",
        "ExternalObject",
        "ExternalIdentifier",
        "Department",
        "OrganizationCode",
        "GivenName",
        "FamilyName",
        "Street",
        "PostalBox",
        "Town",
        "StateRegion",
        "PostalCode",
        "Country",
    ],
    "Facility": [
        "Name",
        *CREATED,
        "Category",
        "ProjectName",
        "SiteName",
        "LinearUnits",
        "AreaUnits",
        "VolumeUnits",
        "CurrencyUnit",
        "AreaMeasurement",
        "ExternalSystem",
        "ExternalProjectObject",
        "ExternalProjectIdentifier",
        "ExternalSiteObject",
        "ExternalSiteIdentifier",
        "ExternalFacilityObject",
        "ExternalFacilityIdentifier",
        "Description",
        "ProjectDescription",
        "SiteDescription",
        "Phase",
    ],
    "Floor": ["Name", *CREATED, "Category", *EXT, "Description", "Elevation", "Height"],
    "Space": [
        "Name",
        *CREATED,
        "Category",
        "FloorName",
        "Description",
        *EXT,
        "RoomTag",
        "UsableHeight",
        "GrossArea",
        "NetArea",
    ],
    "Zone": ["Name", *CREATED, "Category", "SpaceNames", *EXT, "Description"],
    "Type": [
        "Name",
        *CREATED,
        "Category",
        "Description",
        "AssetType",
        "Manufacturer",
        "ModelNumber",
        "WarrantyGuarantorParts",
        "WarrantyDurationParts",
        "WarrantyGuarantorLabor",
        "WarrantyDurationLabor",
        "WarrantyDurationUnit",
        *EXT,
        "ReplacementCost",
        "ExpectedLife",
        "DurationUnit",
        "WarrantyDescription",
        "NominalLength",
        "NominalWidth",
        "NominalHeight",
        "ModelReference",
        "Shape",
        "Size",
        "Color",
        "Finish",
        "Grade",
        "Material",
        "Constituents",
        "Features",
        "AccessibilityPerformance",
        "CodePerformance",
        "SustainabilityPerformance",
    ],
    "Component": [
        "Name",
        *CREATED,
        "TypeName",
        "Space",
        "Description",
        *EXT,
        "SerialNumber",
        "InstallationDate",
        "WarrantyStartDate",
        "TagNumber",
        "BarCode",
        "AssetIdentifier",
    ],
    "System": ["Name", *CREATED, "Category", "ComponentNames", *EXT, "Description"],
    "Assembly": [
        "Name",
        *CREATED,
        "SheetName",
        "ParentName",
        "ChildNames",
        "AssemblyType",
        *EXT,
        "Description",
    ],
    "Connection": [
        "Name",
        *CREATED,
        "ConnectionType",
        "SheetName",
        "RowName1",
        "RowName2",
        "RealizingElement",
        "PortName1",
        "PortName2",
        *EXT,
        "Description",
    ],
    "Spare": [
        "Name",
        *CREATED,
        "Category",
        "TypeName",
        "Suppliers",
        *EXT,
        "Description",
        "SetNumber",
        "PartNumber",
    ],
    "Resource": ["Name", *CREATED, "Category", *EXT, "Description"],
    "Job": [
        "Name",
        *CREATED,
        "Category",
        "Status",
        "TypeName",
        "Description",
        "Duration",
        "DurationUnit",
        "Start",
        "TaskStartUnit",
        "Frequency",
        "FrequencyUnit",
        *EXT,
        "TaskNumber",
        "Priors",
        "ResourceNames",
    ],
    "Impact": [
        "Name",
        *CREATED,
        "ImpactType",
        "ImpactStage",
        "SheetName",
        "RowName",
        "Value",
        "ImpactUnit",
        "LeadInTime",
        "Duration",
        "LeadOutTime",
        *EXT,
        "Description",
    ],
    "Document": [
        "Name",
        *CREATED,
        "Category",
        "ApprovalBy",
        "Stage",
        "SheetName",
        "RowName",
        "Directory",
        "File",
        *EXT,
        "Description",
        "Reference",
    ],
    "Attribute": [
        "Name",
        *CREATED,
        "Category",
        "SheetName",
        "RowName",
        "Value",
        "Unit",
        *EXT,
        "Description",
        "AllowedValues",
    ],
    "Coordinate": [
        "Name",
        *CREATED,
        "Category",
        "SheetName",
        "RowName",
        "CoordinateXAxis",
        "CoordinateYAxis",
        "CoordinateZAxis",
        *EXT,
        "ClockwiseRotation",
        "ElevationalRotation",
        "YawRotation",
    ],
    "Issue": [
        "Name",
        *CREATED,
        "Type",
        "Risk",
        "Chance",
        "Impact",
        "SheetName1",
        "RowName1",
        "SheetName2",
        "RowName2",
        "Description",
        "Owner",
        "Mitigation",
        *EXT,
    ],
}
SHEETS = list(COLUMNS)

# Sheets MMS has a register for; the others (Assembly, Connection, Impact, Coordinate, Issue) are kept
# row by row on the record they name (see ``records.py``), so nothing of the workbook is lost.
KEPT_SHEETS = ("Assembly", "Connection", "Impact", "Coordinate", "Issue")
# Sheets of the template that hold no data of the facility.
IGNORED_SHEETS = ("Instruction", "PickLists", "Picklist", "Picklists")

# The cells a row cannot do without.
REQUIRED: dict[str, tuple[str, ...]] = {
    "Contact": ("Email",),
    "Facility": ("Name",),
    "Floor": ("Name",),
    "Space": ("Name", "FloorName"),
    "Zone": ("Name", "SpaceNames"),
    "Type": ("Name",),
    "Component": ("Name", "TypeName", "Space"),
    "System": ("Name", "ComponentNames"),
    "Spare": ("Name", "TypeName"),
    "Resource": ("Name",),
    "Job": ("Name", "TypeName"),
    "Document": ("Name", "SheetName", "RowName"),
    "Attribute": ("Name", "SheetName", "RowName"),
    "Assembly": ("Name",),
    "Connection": ("Name",),
    "Impact": ("Name",),
    "Coordinate": ("Name",),
    "Issue": ("Name",),
}

# Other spellings of a column, per sheet ("*" for every sheet), by normalised header.
_EXT_ALIASES = {
    "extsystem": "externalsystem",
    "externalsystem": "extsystem",
    "extobject": "externalobject",
    "externalobject": "extobject",
    "extidentifier": "externalidentifier",
    "externalidentifier": "extidentifier",
}
ALIASES: dict[str, dict[str, str]] = {
    "*": {"createdate": "createdon", "createdat": "createdon", "author": "createdby"},
    "Contact": {"e-mail": "email", "emailaddress": "email", "mail": "email", "organisationcode": "organizationcode"},
    "Facility": {"site": "sitename", "project": "projectname"},
    "Space": {"floor": "floorname", "level": "floorname", "levelname": "floorname"},
    "Zone": {"spacename": "spacenames", "spaces": "spacenames", "space": "spacenames"},
    "Component": {
        "type": "typename",
        "spacenames": "space",
        "spacename": "space",
        "spaces": "space",
        "tag": "tagnumber",
        "serial": "serialnumber",
        "installeddate": "installationdate",
        "warrantystart": "warrantystartdate",
        "barcodenumber": "barcode",
    },
    "System": {"componentname": "componentnames", "components": "componentnames"},
    "Spare": {"type": "typename", "supplier": "suppliers"},
    "Job": {"type": "typename", "resources": "resourcenames", "resourcename": "resourcenames"},
    "Type": {
        "warrantydurationlabour": "warrantydurationlabor",
        "warrantyguarantorlabour": "warrantyguarantorlabor",
        "colour": "color",
    },
}
SHEET_ALIASES = {"facilities": "facility", "contacts": "contact", "floors": "floor", "levels": "floor"}


def normalise(text: object) -> str:
    """A header or sheet name reduced to lower-case letters and digits."""
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


def canonical_sheet(name: str) -> str | None:
    """The COBie sheet a workbook's sheet name stands for (``"Components "`` -> ``"Component"``)."""
    key = normalise(name)
    key = SHEET_ALIASES.get(key, key)
    for sheet in SHEETS:
        wanted = normalise(sheet)
        if key in (wanted, wanted + "s"):
            return sheet
    return None


def canonical_column(sheet: str, header: str) -> str | None:
    """The COBie 2.4 column a header of ``sheet`` stands for, or None for a column of its own."""
    key = normalise(header)
    if not key:
        return None
    by_key = {normalise(column): column for column in COLUMNS[sheet]}
    if key in by_key:
        return by_key[key]
    for table in (ALIASES.get(sheet, {}), ALIASES["*"], _EXT_ALIASES):
        other = table.get(key)
        if other and other in by_key:
            return by_key[other]
    return None
