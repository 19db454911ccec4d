"""The IFC importer (format "ifc"): a building model in IFC2X3, IFC4 or IFC4X3 (``.ifc``, or zipped as
``.ifczip``) becomes the area tree, the equipment with its types, its property sets as attributes, and
its systems. Records are matched on the IFC GlobalId within the model's IfcProject (external keys of
scheme "ifc"), so importing the same file again changes nothing and a changed file updates in place."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.models import Area, AreaKind, Resource, time_zone_names
from core.scoping import visible_site_ids
from exchange.files import check_extension, check_size, check_text, check_zip
from exchange.ifc.areas import AreaWriter, Context
from exchange.ifc.bulk import bind_all, sync_attributes
from exchange.ifc.equipment import EquipmentWriter
from exchange.ifc.model import Model, read_model
from exchange.ifc.opening import open_model, unpack_ifczip
from exchange.models import ExternalRef, Scheme
from exchange.refs import RefIndex
from exchange.registry import ImportJob, register_importer

EXTENSIONS = ("ifc", "ifczip")


class IfcImporter:
    """IFC models in: ``.ifc`` (STEP) or ``.ifczip``; the option "site" puts the buildings under a site."""

    format = "ifc"
    label = cast(str, gettext_lazy("IFC building model"))
    extensions: tuple[str, ...] = EXTENSIONS
    options: tuple[str, ...] = ("site",)
    # Creating areas is the rarer right (an integrator may add equipment but not buildings).
    permission = "assets.add_area"

    def check_file(self, path: Path, original_name: str) -> str:
        extension = check_extension(path, EXTENSIONS, original_name)
        if extension == "ifczip":
            check_size(path)
            check_zip(path, ".ifczip")
            return extension
        return check_text(path, ("ifc",), original_name)

    def clean_options(self, options: dict[str, Any], user: Any) -> dict[str, Any]:
        """``site``: the id of a site the user sees, to put the model's buildings under (without it the
        model's IfcSite becomes a new site, which only a user who sees every site may make);
        ``time_zone``: the time zone of a new site (default: the server's)."""
        cleaned: dict[str, Any] = {}
        sites = visible_site_ids(user)
        site = options.get("site")
        if site is not None and site != "":
            try:
                site_id = int(site)
            except (TypeError, ValueError):
                raise ValueError(_("The site must be given by its id.")) from None
            if not Area.objects.sites().in_sites(sites).filter(pk=site_id).exists():
                raise ValueError(_("There is no site %(site)s among your sites.") % {"site": site})
            cleaned["site"] = site_id
        elif sites is not None:
            raise ValueError(_("Choose one of your sites to import the model into."))
        time_zone = str(options.get("time_zone") or "")
        if time_zone and time_zone not in time_zone_names():
            raise ValueError(_("%(value)s is not a known time zone (e.g. Africa/Nairobi).") % {"value": time_zone})
        if time_zone:
            cleaned["time_zone"] = time_zone
        return cleaned

    def run(self, job: ImportJob) -> None:
        with tempfile.TemporaryDirectory(prefix="mms-ifc-") as scratch:
            folder = Path(scratch)
            path = unpack_ifczip(job.path, folder) if job.extension == "ifczip" else job.path
            opened = open_model(path, folder)
            job.report.notes.extend(opened.notes)
            model = read_model(opened.file, job.report)
            del opened  # the parsed file is the bulk of the memory; the rows are all that is needed now
        write_model(model, job)


def write_model(model: Model, job: ImportJob) -> None:
    """Write the rows of ``model``: areas, zones, types, resources, systems, then their external keys
    and attributes in bulk."""
    site = None
    if site_id := job.options.get("site"):
        site = Area.objects.get(pk=site_id, kind=AreaKind.SITE)
    index = RefIndex(Scheme.IFC, model.project_guid)
    ctx = Context(
        job=job,
        model=model,
        index=index,
        site=site,
        time_zone=job.options.get("time_zone") or settings.TIME_ZONE,
    )
    areas = AreaWriter(ctx)
    areas.write()
    areas.write_zones()
    equipment = EquipmentWriter(ctx, areas)
    equipment.write_types()
    earlier = _bound_resources(index)
    equipment.write_resources()
    equipment.write_systems()
    matched = sum(
        1 for kind, key, obj in ctx.bindings if isinstance(obj, Resource) and index.get_id(kind, key, Resource)
    )
    bind_all(index, ctx.bindings)
    sync_attributes(ctx.attributes, source=Scheme.IFC, report=job.report, user=job.user)
    if earlier > matched:
        job.report.notes.append(
            _(
                "%(count)s resource(s) imported from this model before are not in this file (or were skipped); "
                "they are left as they are."
            )
            % {"count": earlier - matched}
        )
    if ctx.new_sites:
        job.report.notes.append(
            _("New sites get the time zone %(zone)s; change it on the site if it is elsewhere.")
            % {"zone": ctx.time_zone}
        )


def _bound_resources(index: RefIndex) -> int:
    content_type = ContentType.objects.get_for_model(Resource)
    return ExternalRef.objects.filter(scheme=index.scheme, scope=index.scope, content_type=content_type).count()


register_importer(IfcImporter())
