"""What data exchange keeps: which record an outside file's row became, what a file said that has no
field of its own (attributes), groupings of equipment (systems), references to documents, every import
run with its report, the column mappings users saved for CSV files, and calendar feed links."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assets.models import Area, AreaKind, Resource


class Scheme(models.TextChoices):
    """Where a key, an attribute or an import came from."""

    COBIE = "cobie", _("COBie")
    IFC = "ifc", _("IFC")
    CSV = "csv", _("CSV")
    GEOJSON = "geojson", _("GeoJSON")
    MANUAL = "manual", _("Entered by hand")


class RecordLinkMixin(models.Model):
    """A row about any record (area, resource, type, part, plan...), by content type and id."""

    content_type = models.ForeignKey(ContentType, verbose_name=_("record type"), on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")

    class Meta:
        abstract = True


class ExternalRef(RecordLinkMixin):
    """Which record an outside file's row became: ``(scheme, scope, kind, key)`` names it in that file's
    terms (a COBie component's name within its facility, an IFC GlobalId within its project), so a second
    import of the same file finds and updates the same records instead of making new ones."""

    scheme = models.CharField(_("scheme"), max_length=10, choices=Scheme.choices)
    scope = models.CharField(
        _("scope"), max_length=200, blank=True, help_text=_("e.g. the COBie facility or the IFC project")
    )
    kind = models.CharField(_("kind"), max_length=40, help_text=_("e.g. the COBie sheet or the IFC entity"))
    key = models.CharField(_("key"), max_length=255, help_text=_("e.g. the COBie name or the IFC GlobalId"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("external key")
        verbose_name_plural = _("external keys")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "scope", "kind", "key"], name="external_ref_unique"),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="external_ref_record")]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.scope}/{self.kind}/{self.key}"


class Attribute(RecordLinkMixin):
    """A named value a file gave for a record that has no field for it (a COBie Attribute row, an IFC
    property): nothing an import reads is silently dropped."""

    group = models.CharField(
        _("group"), max_length=200, blank=True, help_text=_("e.g. the IFC property set or the COBie category")
    )
    name = models.CharField(_("name"), max_length=200)
    value = models.TextField(_("value"), blank=True)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Scheme.choices, default=Scheme.MANUAL)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
        ordering = ["group", "name"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "group", "name"], name="attribute_unique"),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attribute_record")]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}{(' ' + self.unit) if self.unit else ''}"


class System(models.Model):
    """A grouping of equipment that works together (a heating circuit, a pressure zone of a network): the
    COBie System sheet and IFC systems fill these."""

    site = models.ForeignKey(
        Area,
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        related_name="systems",
        limit_choices_to={"kind": AreaKind.SITE},
    )
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    resources = models.ManyToManyField(Resource, verbose_name=_("equipment"), related_name="systems", blank=True)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("system")
        verbose_name_plural = _("systems")
        ordering = ["site", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="system_unique_name")]

    def __str__(self) -> str:
        return self.name


class ZoneSpace(models.Model):
    """A space that belongs to a zone. The area tree gives a space one parent (its floor), while a zone
    (a fire compartment, a tenancy, a heating zone) groups spaces of any floor, and a space may be in
    several zones: COBie's Zone sheet and IFC zones list them, and this keeps that membership."""

    zone = models.ForeignKey(
        Area,
        verbose_name=_("zone"),
        on_delete=models.CASCADE,
        related_name="zone_spaces",
        limit_choices_to={"kind": AreaKind.ZONE},
    )
    space = models.ForeignKey(
        Area,
        verbose_name=_("space"),
        on_delete=models.CASCADE,
        related_name="space_zones",
        limit_choices_to={"kind": AreaKind.SPACE},
    )
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("space of a zone")
        verbose_name_plural = _("spaces of zones")
        ordering = ["zone", "space"]
        constraints = [models.UniqueConstraint(fields=["zone", "space"], name="zone_space_unique")]

    def __str__(self) -> str:
        return f"{self.zone.name} ∋ {self.space.name}"


class DocumentReference(RecordLinkMixin):
    """A document about a record, kept where it is (a COBie Document row: a manual, a warranty, a drawing
    in the handover's folder or a document system), named and referenced rather than uploaded."""

    name = models.CharField(_("name"), max_length=255)
    category = models.CharField(_("category"), max_length=200, blank=True)
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    approved_by = models.CharField(_("approved by"), max_length=200, blank=True)
    directory = models.CharField(_("directory"), max_length=500, blank=True)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    reference = models.CharField(_("reference"), max_length=500, blank=True, help_text=_("a URL or document id"))
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("document reference")
        verbose_name_plural = _("document references")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "name"], name="document_reference_unique"),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="document_reference_record")]

    def __str__(self) -> str:
        return self.name


class ImportMode(models.TextChoices):
    DRY_RUN = "dry_run", _("Dry run (nothing written)")
    ALL_OR_NOTHING = "all", _("Import (nothing written if any row has a problem)")
    VALID_ROWS = "valid_rows", _("Import the valid rows, skip the others")


class ImportOutcome(models.TextChoices):
    WAITING = "", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    FAILED = "failed", _("Stopped by an error, nothing written")
    CHECKED = "checked", _("Checked, no problem")
    PROBLEMS = "problems", _("Problems found, nothing written")
    WRITTEN = "written", _("Written")
    WRITTEN_WITH_SKIPS = "skipped", _("Written, some rows skipped")
    REFUSED = "refused", _("File refused, nothing written")


class ImportRun(models.Model):
    """One import of one file (a dry run or a real one), with its report: rows read per sheet, which
    records they became, and every problem with sheet, row and column. The file stays with the run so a
    dry run can be followed by the real import without uploading it again."""

    format = models.CharField(_("format"), max_length=20)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    options = models.JSONField(_("options"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=12, choices=ImportMode.choices, default=ImportMode.DRY_RUN)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ImportOutcome.choices, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follows the dry run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followed_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.original_name} ({self.get_mode_display()})"

    def get_format_display(self) -> str:
        from exchange.registry import format_label

        return format_label(self.format)

    @property
    def problem_count(self) -> int:
        return len(self.report.get("problems", []))


class ColumnMapping(models.Model):
    """How the columns of a user's CSV file map onto the fields of a register, saved under a name and
    offered again at the next import of the same register."""

    target = models.CharField(_("register"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    columns = models.JSONField(_("columns"), default=dict, help_text=_("field name -> the file's column header"))
    defaults = models.JSONField(
        _("fixed values"), default=dict, blank=True, help_text=_("field name -> value for fields the file lacks")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        ordering = ["target", "name"]
        constraints = [models.UniqueConstraint(fields=["target", "name"], name="column_mapping_unique_name")]

    def __str__(self) -> str:
        return f"{self.target}: {self.name}"


class FeedKind(models.TextChoices):
    ASSIGNED = "assigned", _("Orders assigned to me")
    SITE = "site", _("A site's scheduled orders")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeedQuerySet(models.QuerySet["CalendarFeed"]):
    def active(self) -> CalendarFeedQuerySet:
        return self.filter(revoked_at__isnull=True)

    def by_token(self, token: str) -> CalendarFeed | None:
        """The live feed whose secret is ``token`` (only its hash is stored)."""
        return self.active().select_related("user", "site").filter(token_hash=_token_hash(token)).first()


class CalendarFeed(models.Model):
    """A secret calendar URL (iCalendar, RFC 5545) of one user's work: the token is in the URL, not the
    session, so a calendar program can subscribe; only its hash is kept, and revoking ends it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    kind = models.CharField(_("what it shows"), max_length=10, choices=FeedKind.choices, default=FeedKind.ASSIGNED)
    site = models.ForeignKey(
        Area,
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": AreaKind.SITE},
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last read at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=FeedKind.ASSIGNED, site__isnull=True) | Q(kind=FeedKind.SITE, site__isnull=False),
                name="calendar_feed_site_for_site_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_kind_display()}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    def set_token(self, token: str) -> None:
        self.token_hash = _token_hash(token)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.token_hash:
            raise ValueError("Set the token first (CalendarFeed.set_token).")
        super().save(*args, **kwargs)
