"""Where things are and what they are: areas, maintainable entities, counters, readings, attachments."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import BaseConstraint, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.indexes import RangeIndex


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value and value not in time_zone_names():
        raise ValidationError(_("%(value)s is not a known time zone (e.g. Africa/Nairobi)."), params={"value": value})


LATITUDE_VALIDATORS = [MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))]
LONGITUDE_VALIDATORS = [MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))]


def coordinate_constraints(prefix: str) -> list[models.BaseConstraint]:
    """Latitude/longitude ranges, and both or neither given."""
    return [
        models.CheckConstraint(
            condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            name=f"{prefix}_latitude_range",
        ),
        models.CheckConstraint(
            condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            name=f"{prefix}_longitude_range",
        ),
        models.CheckConstraint(
            condition=Q(latitude__isnull=True, longitude__isnull=True)
            | Q(latitude__isnull=False, longitude__isnull=False),
            name=f"{prefix}_coordinates_pair",
        ),
    ]


class CoordinatesMixin(models.Model):
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LATITUDE_VALIDATORS
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LONGITUDE_VALIDATORS
    )

    class Meta:
        abstract = True

    def clean_coordinates(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Give both latitude and longitude, or neither.")})


# --- Areas -------------------------------------------------------------------------------------
class AreaKind(models.TextChoices):
    SITE = "site", _("Site")
    BUILDING = "building", _("Building")
    FLOOR = "floor", _("Floor")
    SPACE = "space", _("Space")
    ZONE = "zone", _("Zone")


# Which kinds may hold which: a site is a root; a zone may group spaces anywhere below a site.
ALLOWED_PARENT_KINDS: dict[str, set[str]] = {
    AreaKind.SITE: set(),
    AreaKind.BUILDING: {AreaKind.SITE},
    AreaKind.FLOOR: {AreaKind.BUILDING},
    AreaKind.SPACE: {AreaKind.SITE, AreaKind.BUILDING, AreaKind.FLOOR, AreaKind.ZONE},
    AreaKind.ZONE: {AreaKind.SITE, AreaKind.BUILDING, AreaKind.FLOOR},
}


class AreaQuerySet(models.QuerySet["Area"]):
    def sites(self) -> AreaQuerySet:
        return self.filter(kind=AreaKind.SITE)

    def within(self, area: Area) -> AreaQuerySet:
        """The area and everything below it."""
        return self.filter(path__startswith=area.path)

    def in_sites(self, site_ids: Iterable[int] | None) -> AreaQuerySet:
        """Areas of these sites; ``None`` means every site (see ``core.scoping.visible_site_ids``)."""
        return self if site_ids is None else self.filter(site_id__in=list(site_ids))


class Area(CoordinatesMixin):
    """A place in the site > building > floor > space/zone tree.

    ``path`` (``/1/7/12/``) and ``site`` are kept by ``save()`` so subtree and per-site queries need no
    recursion. Sites carry the time zone in which their due dates fall.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=AreaKind.choices)
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    site = models.ForeignKey(
        "self",
        verbose_name=_("site"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    path = models.CharField(_("path"), max_length=500, editable=False, db_index=True, default="")
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Required on sites; due dates fall at local midnight of this zone."),
    )
    address = models.TextField(_("address"), blank=True)
    outline = models.JSONField(
        _("outline (GeoJSON)"), null=True, blank=True, help_text=_("A GeoJSON Polygon or MultiPolygon geometry.")
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    objects = AreaQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=AreaKind.SITE) & Q(parent__isnull=True))
                | (~Q(kind=AreaKind.SITE) & Q(parent__isnull=False)),
                name="area_site_is_root",
            ),
            models.CheckConstraint(condition=~Q(kind=AreaKind.SITE) | ~Q(time_zone=""), name="area_site_has_time_zone"),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="area_not_own_parent"),
            models.CheckConstraint(condition=Q(kind__in=AreaKind.values), name="area_kind_valid"),
            *coordinate_constraints("area"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        super().clean()
        self.clean_coordinates()
        errors: dict[str, Any] = {}
        if self.kind == AreaKind.SITE:
            if self.parent_id:
                errors["parent"] = _("A site is the top of its tree and has no parent.")
            if not self.time_zone:
                errors["time_zone"] = _("A site needs a time zone.")
        elif self.kind in ALLOWED_PARENT_KINDS:  # an unknown kind is reported by the field's choices
            if not self.parent_id:
                errors["parent"] = _("A %(kind)s must be inside another area.") % {"kind": self.get_kind_display()}
            elif (parent := self.parent) is not None and parent.kind not in ALLOWED_PARENT_KINDS[self.kind]:
                errors["parent"] = _("A %(kind)s cannot be inside a %(parent)s.") % {
                    "kind": self.get_kind_display(),
                    "parent": parent.get_kind_display(),
                }
            elif self.pk and parent is not None and parent.path.startswith(self.path or "\0"):
                errors["parent"] = _("An area cannot be moved inside itself or one of its own children.")
        if self.outline is not None:
            outline_error = geojson_outline_error(self.outline)
            if outline_error:
                errors["outline"] = outline_error
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        old_path = self.path
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent_id and self.parent else "/"
        new_path = f"{parent_path}{self.pk}/"
        new_site_id = int(new_path.strip("/").split("/")[0])
        if new_path != self.path or new_site_id != self.site_id:
            self.path, self.site_id = new_path, new_site_id
            Area.objects.filter(pk=self.pk).update(path=new_path, site_id=new_site_id, updated_at=timezone.now())
            if old_path and old_path != new_path:
                # Moved: descendants follow (rare, admin-only; a subtree is small).
                for child in Area.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    child_path = new_path + child.path[len(old_path) :]
                    Area.objects.filter(pk=child.pk).update(
                        path=child_path, site_id=new_site_id, updated_at=timezone.now()
                    )

    @property
    def local_time_zone(self) -> zoneinfo.ZoneInfo:
        tz_name = (self.site.time_zone if self.site_id and self.site else self.time_zone) or settings.TIME_ZONE
        return zoneinfo.ZoneInfo(tz_name)

    def ancestors(self) -> AreaQuerySet:
        ids = [int(part) for part in self.path.strip("/").split("/") if part][:-1]
        return Area.objects.filter(pk__in=ids).order_by("path")


def site_of(area: Area) -> Area:
    """The site an area is in (a site is its own)."""
    site = area.site if area.site_id else area
    assert site is not None
    return site


def geojson_outline_error(value: Any) -> str | None:
    """A human message if ``value`` is not a GeoJSON Polygon or MultiPolygon geometry, else None."""
    if not isinstance(value, dict) or value.get("type") not in {"Polygon", "MultiPolygon"}:
        return str(_("The outline must be a GeoJSON geometry of type Polygon or MultiPolygon."))
    coordinates = value.get("coordinates")
    polygons = [coordinates] if value["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        return str(_("The outline has no coordinates."))
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return str(_("Each polygon needs at least one ring of positions."))
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                return str(_("Each ring needs at least four positions."))
            for position in ring:
                if (
                    not isinstance(position, list)
                    or len(position) < 2
                    or not all(isinstance(n, int | float) and not isinstance(n, bool) for n in position[:2])
                    or not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90)
                ):
                    return str(_("Each position is [longitude, latitude] within range."))
            if ring[0] != ring[-1]:
                return str(_("Each ring must end where it starts."))
    return None


# --- Maintainable entities ---------------------------------------------------------------------
class Criticality(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class EntityStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    ON_HOLD = "on_hold", _("On hold")
    DOWN = "down", _("Down")
    RETIRED = "retired", _("Retired")


# Going down or on hold, and coming back, opens and closes a downtime period (the work-order app keeps
# them, with who, why and the order that caused it), so edit forms and the API may not set them directly.
DOWNTIME_STATUSES = (EntityStatus.DOWN, EntityStatus.ON_HOLD)


def status_edit_error(old: str | None, new: str) -> str | None:
    """Why a form or the API may not change an entity's status from ``old`` (``None``: a new entity) to
    ``new``, or ``None`` when it may."""
    if new == old:
        return None
    if new in DOWNTIME_STATUSES or old in DOWNTIME_STATUSES:
        return str(
            _(
                "Down and on hold are recorded as downtime: mark the equipment down, on hold or back in "
                "service on its page, or through /api/v1/downtime-periods/."
            )
        )
    return None


class SiteScopedQuerySet(models.QuerySet[Any]):
    def in_sites(self, site_ids: Iterable[int] | None) -> SiteScopedQuerySet:
        """Entities of these sites; ``None`` means every site (see ``core.scoping.visible_site_ids``)."""
        return self if site_ids is None else self.filter(area__site_id__in=list(site_ids))

    def in_site(self, site: Area) -> SiteScopedQuerySet:
        return self.filter(area__site_id=site.pk)


class ResourceType(models.Model):
    """A kind of equipment as made: one pump model of one manufacturer. Resources of a type share its
    spare parts list (and COBie "Type" sheets fill these)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    model_number = models.CharField(_("model number"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("resource type")
        verbose_name_plural = _("resource types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Resource(CoordinatesMixin):
    """A piece of equipment that is maintained: pump, chlorinator, generator, autoclave..."""

    tag = models.CharField(_("tag"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="resources")
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="components"
    )
    resource_type = models.ForeignKey(
        ResourceType,
        verbose_name=_("type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
    )
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    model_number = models.CharField(_("model number"), max_length=100, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    installation_date = models.DateField(_("installation date"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    criticality = models.PositiveSmallIntegerField(
        _("criticality"), choices=Criticality.choices, default=Criticality.MEDIUM
    )
    status = models.CharField(_("status"), max_length=12, choices=EntityStatus.choices, default=EntityStatus.IN_SERVICE)
    description = models.TextField(_("description"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="resources/%Y/", blank=True)
    history = HistoricalRecords()

    objects = SiteScopedQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["tag"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="resource_not_own_parent"),
            models.CheckConstraint(
                condition=Q(purchase_date__isnull=True)
                | Q(installation_date__isnull=True)
                | Q(installation_date__gte=models.F("purchase_date")),
                name="resource_installed_after_purchase",
            ),
            models.CheckConstraint(condition=Q(status__in=EntityStatus.values), name="resource_status_valid"),
            models.CheckConstraint(condition=Q(criticality__in=Criticality.values), name="resource_criticality_valid"),
            *coordinate_constraints("resource"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} {self.name}"

    def clean(self) -> None:
        super().clean()
        self.clean_coordinates()
        errors: dict[str, Any] = {}
        if self.purchase_date and self.installation_date and self.installation_date < self.purchase_date:
            errors["installation_date"] = _("Installation cannot be before purchase.")
        if self.parent_id:
            seen = {self.pk} if self.pk else set()
            node: Resource | None = self.parent
            while node is not None:
                if node.pk in seen:
                    errors["parent"] = _("A resource cannot be part of itself or of one of its own components.")
                    break
                seen.add(node.pk)
                node = node.parent
        if errors:
            raise ValidationError(errors)


class Container(models.Model):
    """A maintainable container: a tank, a vehicle, a mould, a gas cylinder."""

    tag = models.CharField(_("tag"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    container_type = models.CharField(_("type"), max_length=100, help_text=_("e.g. tank, vehicle, mould"))
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="containers")
    capacity = models.DecimalField(_("capacity"), max_digits=14, decimal_places=3, null=True, blank=True)
    capacity_unit = models.CharField(_("capacity unit"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=EntityStatus.choices, default=EntityStatus.IN_SERVICE)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    objects = SiteScopedQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("container")
        verbose_name_plural = _("containers")
        ordering = ["tag"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0), name="container_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | ~Q(capacity_unit=""), name="container_capacity_has_unit"
            ),
            models.CheckConstraint(condition=Q(status__in=EntityStatus.values), name="container_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} {self.name}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.capacity is not None and self.capacity <= 0:
            errors["capacity"] = _("A capacity must be above zero; leave it empty if unknown.")
        if self.capacity is not None and not self.capacity_unit:
            errors["capacity_unit"] = _("Give the unit of the capacity (e.g. m³, l).")
        if errors:
            raise ValidationError(errors)


class Material(models.Model):
    """A maintainable material lot: stored chemicals, filter media, sterile stock with an expiry."""

    code = models.CharField(_("code"), max_length=50)
    lot_number = models.CharField(_("lot number"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="materials")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, default=Decimal(0))
    unit = models.CharField(_("unit"), max_length=20)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    objects = SiteScopedQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["code", "lot_number"]
        constraints = [
            models.UniqueConstraint(fields=["code", "lot_number"], name="material_code_lot_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="material_quantity_not_negative"),
            models.CheckConstraint(condition=~Q(unit=""), name="material_has_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.lot_number} {self.name}".replace("  ", " ")

    def clean(self) -> None:
        super().clean()
        if self.quantity is not None and self.quantity < 0:
            raise ValidationError({"quantity": _("A quantity cannot be negative.")})


# --- Counters and readings ---------------------------------------------------------------------
class CounterKind(models.TextChoices):
    CUMULATIVE = "cumulative", _("Cumulative (only grows, e.g. operating hours)")
    GAUGE = "gauge", _("Gauge (goes up and down, e.g. temperature)")


ENTITY_FIELDS = ("area", "resource", "container", "material")
ONE_ENTITY_MESSAGE = _("Choose exactly one of area, resource, container or material.")


def exactly_one_entity(prefix: str) -> models.CheckConstraint:
    one_of = Q()
    for field in ENTITY_FIELDS:
        term = Q(**{f"{field}__isnull": False})
        for other in ENTITY_FIELDS:
            if other != field:
                term &= Q(**{f"{other}__isnull": True})
        one_of |= term
    return models.CheckConstraint(
        condition=one_of, name=f"{prefix}_exactly_one_entity", violation_error_message=ONE_ENTITY_MESSAGE
    )


class EntityLinkMixin(models.Model):
    """Points at exactly one maintainable entity: an Area, a Resource, a Container or a Material."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    container = models.ForeignKey(
        Container, verbose_name=_("container"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    material = models.ForeignKey(
        Material, verbose_name=_("material"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def entity(self) -> Area | Resource | Container | Material | None:
        for field in ENTITY_FIELDS:
            if getattr(self, f"{field}_id"):
                return getattr(self, field)
        return None

    def clean_entity(self) -> None:
        given = [field for field in ENTITY_FIELDS if getattr(self, f"{field}_id")]
        if len(given) != 1:
            raise ValidationError(ONE_ENTITY_MESSAGE)

    def get_constraints(self) -> list[tuple[type[models.Model], Sequence[BaseConstraint]]]:
        """Constraints that ``validate_constraints()`` checks, except the exactly-one-entity one: ``clean()``
        checks that rule through ``clean_entity()``, even when a form leaves some entity fields out, so a
        form shows its message once."""
        return [
            (model, [c for c in constraints if not c.name.endswith("_exactly_one_entity")])
            for model, constraints in super().get_constraints()
        ]


# A counter belongs to the site of whichever entity it measures.
COUNTER_SITE_PATHS = (
    "area__site_id",
    "resource__area__site_id",
    "container__area__site_id",
    "material__area__site_id",
)


def counter_site_q(lookup: str, value: Any) -> models.Q:
    """Counters whose entity's site matches: ``counter_site_q("__in", ids)``, ``counter_site_q("", OuterRef("pk"))``."""
    condition = models.Q()
    for path in COUNTER_SITE_PATHS:
        condition |= models.Q(**{f"{path}{lookup}": value})
    return condition


class CounterQuerySet(models.QuerySet["Counter"]):
    def in_sites(self, site_ids: Iterable[int] | None) -> CounterQuerySet:
        """Counters whose entity (area, resource, container or material) is in one of the sites; ``None``
        means every site."""
        return self if site_ids is None else self.filter(counter_site_q("__in", list(site_ids)))

    def refresh_latest(self) -> int:
        """Set each counter's latest value and time from its readings, in one UPDATE."""
        latest = Reading.objects.filter(counter=models.OuterRef("pk")).order_by("-taken_at")
        newest_at = models.Subquery(latest.values("taken_at")[:1])
        # Only counters whose latest reading changed: an unchanged counter keeps its updated_at.
        stale = self.filter(
            (models.Q(last_read_at__isnull=True) & models.Exists(latest)) | ~models.Q(last_read_at=newest_at)
        )
        return stale.update(
            last_value=models.Subquery(latest.values("value")[:1]),
            last_read_at=models.Subquery(latest.values("taken_at")[:1]),
            updated_at=timezone.now(),
        )


class Counter(EntityLinkMixin):
    """A meter on an entity: operating hours, starts, km, m³ pumped."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=CounterKind.choices, default=CounterKind.CUMULATIVE)
    unit = models.CharField(_("unit"), max_length=20, help_text=_("e.g. h, cycles, km, m³, °C"))
    description = models.TextField(_("description"), blank=True)
    # The latest reading, kept by the reading service so schedule ticks compare counters in SQL.
    last_value = models.DecimalField(
        _("latest value"), max_digits=18, decimal_places=4, null=True, blank=True, editable=False
    )
    last_read_at = models.DateTimeField(_("latest reading at"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["last_value", "last_read_at"])

    objects = CounterQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["name"]
        constraints = [
            exactly_one_entity("counter"),
            *[
                models.UniqueConstraint(
                    fields=[field, "name"],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"counter_name_unique_per_{field}",
                    violation_error_message=_("This entity already has a counter of this name."),
                )
                for field in ENTITY_FIELDS
            ],
            models.CheckConstraint(condition=~Q(unit=""), name="counter_has_unit"),
            models.CheckConstraint(condition=Q(kind__in=CounterKind.values), name="counter_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} · {self.name} ({self.unit})"

    def clean(self) -> None:
        super().clean()
        self.clean_entity()

    def latest_reading(self) -> Reading | None:
        return self.readings.order_by("-taken_at").first()


class ReadingSource(models.TextChoices):
    MANUAL = "manual", _("Entered by a person")
    SENSOR = "sensor", _("Sensor / SCADA")
    IMPORT = "import", _("File import")
    API = "api", _("API")


class Reading(models.Model):
    """A timestamped value of a counter.

    A cumulative counter never goes backwards, except at a reading marked as a reset (meter replaced or
    rolled over), which starts counting again from its value.
    """

    # No index of its own: the unique (counter, taken_at) index serves lookups by counter, and read
    # backwards the latest reading first; every extra index slows bulk loads of sensor readings.
    # On PostgreSQL, counter and entered_by are checked by set-based triggers instead of foreign-key
    # constraints (once per statement, not per row): see migration 0006_reading_set_based_references.
    counter = models.ForeignKey(
        Counter, verbose_name=_("counter"), on_delete=models.CASCADE, related_name="readings", db_index=False
    )
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    is_reset = models.BooleanField(_("reset"), default=False, help_text=_("The meter was replaced or rolled over."))
    source = models.CharField(_("source"), max_length=10, choices=ReadingSource.choices, default=ReadingSource.MANUAL)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a RangeIndex below
    )
    # Database defaults too: the bulk COPY leaves these columns out (a fifth less for PostgreSQL to parse;
    # Now() is the statement's time there). Instances made in Python get the Python values as before.
    note = models.CharField(_("note"), max_length=500, blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_default=Now())
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        ordering = ["-taken_at"]
        indexes = [
            # Incremental sync (?updated_since=) and the check when a user is deleted: readings are added
            # in time order and a bulk load has one author, so BRIN ranges stay narrow and cost a bulk
            # load almost nothing (a B-tree entry per row cost about a fifth of a 100,000-row load).
            RangeIndex(fields=["updated_at"], name="reading_updated_at"),
            RangeIndex(fields=["entered_by"], name="reading_entered_by"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["counter", "taken_at"], name="reading_one_per_counter_and_time"),
            models.CheckConstraint(condition=Q(source__in=ReadingSource.values), name="reading_source_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.counter.name} = {self.value} @ {self.taken_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        super().clean()
        if not self.counter_id or self.value is None or self.taken_at is None:
            return
        if self.counter.kind != CounterKind.CUMULATIVE:
            if self.is_reset:
                raise ValidationError({"is_reset": _("Only cumulative counters are reset.")})
            return
        if self.value < 0:
            raise ValidationError({"value": _("A cumulative counter cannot be negative.")})
        others = Reading.objects.filter(counter_id=self.counter_id).exclude(pk=self.pk)
        previous = others.filter(taken_at__lt=self.taken_at).order_by("-taken_at").first()
        following = others.filter(taken_at__gt=self.taken_at).order_by("taken_at").first()
        if previous and not self.is_reset and self.value < previous.value:
            raise ValidationError(
                {
                    "value": _(
                        "%(value)s is below the previous reading %(previous)s of %(when)s; a cumulative counter "
                        "never goes backwards. Mark this reading as a reset if the meter was replaced."
                    )
                    % {
                        "value": self.value,
                        "previous": previous.value,
                        "when": previous.taken_at.strftime("%Y-%m-%d %H:%M"),
                    }
                }
            )
        if following and not following.is_reset and following.value < self.value:
            raise ValidationError(
                {
                    "value": _("%(value)s is above the later reading %(following)s of %(when)s.")
                    % {
                        "value": self.value,
                        "following": following.value,
                        "when": following.taken_at.strftime("%Y-%m-%d %H:%M"),
                    }
                }
            )


# --- Attachments -------------------------------------------------------------------------------
class Attachment(models.Model):
    """A file (manual, drawing, photo, certificate) attached to any record."""

    content_type = models.ForeignKey(ContentType, verbose_name=_("record type"), on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    title = models.CharField(_("title"), max_length=200, blank=True)
    original_name = models.CharField(_("original name"), max_length=255, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), editable=False)
    mime_type = models.CharField(_("content type"), max_length=100, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_record")]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty")]

    def __str__(self) -> str:
        return self.title or self.original_name

    def clean(self) -> None:
        super().clean()
        if not self.file:
            return
        size = self.file.size
        name = getattr(self.file, "name", "") or ""
        extension = PurePath(name).suffix.lower().lstrip(".")
        errors: list[str] = []
        if size == 0:
            errors.append(str(_("The file is empty.")))
        elif size > settings.ATTACHMENT_MAX_BYTES:
            errors.append(
                _("The file is %(size).1f MB; the limit is %(limit).1f MB.")
                % {"size": size / 1_048_576, "limit": settings.ATTACHMENT_MAX_BYTES / 1_048_576}
            )
        if extension not in settings.ATTACHMENT_EXTENSIONS:
            errors.append(
                _("Files of type .%(ext)s are not accepted; use one of: %(allowed)s.")
                % {"ext": extension or "?", "allowed": ", ".join(settings.ATTACHMENT_EXTENSIONS)}
            )
        if errors:
            raise ValidationError({"file": errors})

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A file not yet committed to storage is a new upload (first or replacing): describe it afresh.
        if self.file and not self.file._committed:
            self.original_name = PurePath(self.file.name).name[:255]
            self.size = self.file.size
            self.mime_type = (getattr(self.file.file, "content_type", "") or "")[:100]
        elif self.file:
            self.original_name = self.original_name or PurePath(self.file.name).name[:255]
            self.size = self.size or self.file.size
        super().save(*args, **kwargs)
