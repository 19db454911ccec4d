"""The equipment of an IFC model: element types (IfcRelDefinesByType) become resource types, elements
become resources in the space that references them or the storey or space that contains them (parts of
an assembly or a nest become its components), and systems (IfcRelAssignsToGroup) become systems of
their equipment's site.

Resources are created and updated in bulk (one INSERT or UPDATE per batch, with their history): a model
has thousands of them. A resource keeps the IFC Tag when no other element of the file or resource of
MMS has it, else gets ``IFC-<GlobalId>``; the manufacturer, model, serial number and dates are set from
the file when it gives them and never blanked by a file that does not."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from assets.models import Area, AreaKind, Resource, ResourceType
from exchange.ifc.areas import AreaWriter, Context
from exchange.ifc.bulk import BATCH, check, chunks, create_with_history, first_error, save, update_with_history
from exchange.ifc.model import MANUFACTURER_OCCURRENCE, MANUFACTURER_TYPE, WARRANTY, ElementRow, GroupRow, TypeRow
from exchange.models import System
from exchange.refs import apply_fields
from exchange.report import CREATED, UNCHANGED, UPDATED

TAG_LENGTH = 50
OPTIONAL_FIELDS = (
    "manufacturer",
    "model_number",
    "serial_number",
    "purchase_date",
    "installation_date",
    "warranty_end",
    "description",
)
RESOURCE_COLUMNS = {
    "tag": "Tag",
    "name": "Name",
    "manufacturer": f"{MANUFACTURER_TYPE}.Manufacturer",
    "model_number": f"{MANUFACTURER_TYPE}.ModelReference",
    "serial_number": f"{MANUFACTURER_OCCURRENCE}.SerialNumber",
    "purchase_date": f"{MANUFACTURER_OCCURRENCE}.AcquisitionDate",
    "installation_date": "COBie_Component.InstallationDate",
    "warranty_end": f"{WARRANTY}.WarrantyEndDate",
    "description": "Description",
}
TYPE_COLUMNS = {"name": "Name", "manufacturer": RESOURCE_COLUMNS["manufacturer"], "description": "Description"}


class EquipmentWriter:
    def __init__(self, ctx: Context, areas: AreaWriter) -> None:
        self.ctx = ctx
        self.area_writer = areas
        self.types: dict[int, ResourceType] = {}
        self.resources: dict[int, Resource] = {}
        self.sites: dict[int, int] = {}  # step id of an element -> the site id of its resource
        self.ours: set[int] = set()

    # --- types ----------------------------------------------------------------------------------
    def write_types(self) -> None:
        ctx = self.ctx
        needed = sorted({row.type_id for row in ctx.model.elements if row.type_id and not ctx.is_skipped(row)})
        rows = [ctx.model.types[step_id] for step_id in needed]
        loaded = ctx.load(ResourceType, rows)
        candidates = {row.step_id: self._type_names(row) for row in rows}
        by_name: dict[str, ResourceType] = {}
        names = sorted({name for names in candidates.values() for name in names})
        for part in chunks(names):
            by_name.update({rt.name: rt for rt in ResourceType.objects.filter(name__in=part)})
        used_names: set[str] = set()
        claimed = {resource_type.pk for resource_type in loaded.values()}
        for row in rows:
            if ctx.is_skipped(row):
                continue
            resource_type = loaded.get(row.step_id)
            if resource_type is None and (same := by_name.get(row.name)) is not None and same.pk not in claimed:
                resource_type = same  # a type of that name is in MMS already: the same type
            name = next(
                (n for n in candidates[row.step_id] if n not in used_names and by_name.get(n) in (None, resource_type)),
                None,
            )
            if name is None:
                ctx.problem(row, "Name", _("Other types have the name %(name)s already.") % {"name": row.name})
                continue
            self._type(row, resource_type, name)
            used_names.add(name)
            if resource_type is not None:
                claimed.add(resource_type.pk)

    @staticmethod
    def _type_names(row: TypeRow) -> list[str]:
        names = [row.name, f"{row.name} ({row.ifc_class})", f"{row.name} ({row.global_id})"]
        return [name[:200] for name in names]

    def _type(self, row: TypeRow, resource_type: ResourceType | None, name: str) -> None:
        ctx = self.ctx
        is_new = resource_type is None
        if resource_type is None:
            resource_type = ResourceType()
        values: dict[str, Any] = {"name": name}
        for field_name in ("manufacturer", "model_number", "description"):
            if value := getattr(row, field_name):
                values[field_name] = value
        changed = apply_fields(resource_type, values)
        if is_new or changed:
            try:
                check(resource_type)
            except ValidationError as error:
                ctx.problem(row, *first_error(error, TYPE_COLUMNS, "Name"))
                return
            save(resource_type, ctx.user)
        self.types[row.step_id] = resource_type
        ctx.tally(row, "resource type", CREATED if is_new else UPDATED if changed else UNCHANGED)
        ctx.bind(row, resource_type)
        ctx.attributes.append((row.ifc_class, resource_type, row.attributes))

    # --- resources ------------------------------------------------------------------------------
    def _area(self, row: ElementRow) -> Area | None:
        ctx, writer = self.ctx, self.area_writer
        if row.container is None and not row.spaces:
            ctx.problem(
                row,
                "ContainedInStructure",
                _(
                    "The element is in no storey, space or building (no IfcRelContainedInSpatialStructure), so "
                    "MMS cannot tell where it is."
                ),
            )
            return None
        container = None
        if row.container is not None:
            if (blocked := writer.skipped_above(row.container)) is not None:
                ctx.depends(row, "ContainedInStructure", blocked)
                return None
            container = writer.nearest(row.container, AreaKind.values)
        # A space that references the element says more than the storey that contains it.
        for space_id in row.spaces:
            space = ctx.areas.get(space_id)
            if space is not None and (container is None or space.path.startswith(container.path)):
                return space
        if container is None:
            ctx.problem(
                row,
                "ContainedInStructure",
                _("The element's container #%(id)s is not part of the model's spatial structure.")
                % {"id": row.container or row.spaces[0]},
            )
        return container

    def _depth(self, row: ElementRow, rows: dict[int, ElementRow]) -> int:
        depth, seen, node = 0, {row.step_id}, row
        while node.whole is not None and node.whole in rows and node.whole not in seen:
            seen.add(node.whole)
            node = rows[node.whole]
            depth += 1
        return depth

    def _tags(self, rows: list[ElementRow]) -> tuple[Counter[str], dict[str, int]]:
        counts = Counter(row.tag for row in self.ctx.model.elements if row.tag)
        wanted = sorted(
            {row.tag for row in rows if row.tag} | {tag for row in rows for tag in self._generated_tags(row)}
        )
        owners: dict[str, int] = {}
        for part in chunks(wanted):
            owners.update(dict(Resource.objects.filter(tag__in=part).values_list("tag", "pk")))
        return counts, owners

    @staticmethod
    def _generated_tags(row: ElementRow) -> list[str]:
        return [f"IFC-{row.global_id}", f"IFC-{row.global_id}-{row.step_id}"]

    def write_resources(self) -> None:
        ctx = self.ctx
        rows = [row for row in ctx.model.elements if not ctx.is_skipped(row)]
        by_id = {row.step_id: row for row in rows}
        loaded = ctx.load(Resource, rows, current_site_id=F("area__site_id"))
        counts, owners = self._tags(rows)
        self.ours = {resource.pk for resource in loaded.values()}  # this file's resources, as imported before
        used: set[str] = set()
        updates: list[Resource] = []
        changed_fields: set[str] = set()
        levels: dict[int, list[ElementRow]] = defaultdict(list)
        for row in rows:
            levels[self._depth(row, by_id)].append(row)
        for depth in sorted(levels):
            creates: list[tuple[ElementRow, Resource]] = []
            for row in levels[depth]:
                outcome = self._resource(row, loaded.get(row.step_id), counts, owners, used)
                if outcome is None:
                    continue
                resource, fields = outcome
                if resource.pk is None:
                    creates.append((row, resource))
                elif fields:
                    updates.append(resource)
                    changed_fields |= fields
            create_with_history([resource for _row, resource in creates], ctx.user)
            for row, _resource in creates:
                ctx.tally(row, "resource", CREATED)
        update_with_history(updates, changed_fields, ctx.user)

    def _resource(
        self,
        row: ElementRow,
        resource: Resource | None,
        counts: Counter[str],
        owners: dict[str, int],
        used: set[str],
    ) -> tuple[Resource, set[str]] | None:
        ctx = self.ctx
        if resource is not None and not ctx.may_write(getattr(resource, "current_site_id", None)):
            ctx.no_access(row)
            return None
        area = self._area(row)
        if area is None:
            return None
        if row.type_id is not None and row.type_id not in self.types:
            ctx.depends(row, "IsTypedBy", row.type_id)
            return None
        whole = None
        if row.whole is not None:
            whole = self.resources.get(row.whole)
            if whole is None:
                ctx.depends(row, "Decomposes", row.whole)
                return None
        tag = self._tag(row, resource, counts, owners, used)
        if not tag:
            ctx.problem(row, "Tag", _("No free tag is left for this element."))
            return None
        is_new = resource is None
        if resource is None:
            resource = Resource()
        values: dict[str, Any] = {"tag": tag, "name": row.name, "area_id": area.pk}
        resource_type = self.types.get(row.type_id) if row.type_id is not None else None
        if resource_type is not None:
            values["resource_type_id"] = resource_type.pk
        if whole is not None:
            values["parent_id"] = whole.pk
        elif resource.parent_id in self.ours:
            values["parent_id"] = None  # no longer a part of another element of the file
        for field_name in OPTIONAL_FIELDS:
            if value := getattr(row, field_name):
                values[field_name] = value
        fields = {name for name, value in values.items() if getattr(resource, name) != value}
        if not is_new and not fields:
            ctx.tally(row, "resource", UNCHANGED)
            self._keep(row, resource, area)
            return resource, set()
        apply_fields(resource, values)
        resource.area = area
        if resource_type is not None:
            resource.resource_type = resource_type
        if whole is not None:
            resource.parent = whole
        try:
            check(resource, exclude=["area", "resource_type", "parent", "photo"])
        except ValidationError as error:
            ctx.problem(row, *first_error(error, RESOURCE_COLUMNS, "Name"))
            used.discard(tag)
            return None
        if not is_new:
            ctx.tally(row, "resource", UPDATED)
        self._keep(row, resource, area)
        return resource, fields

    def _keep(self, row: ElementRow, resource: Resource, area: Area) -> None:
        self.resources[row.step_id] = resource
        self.sites[row.step_id] = area.site_id or area.pk
        self.ctx.bind(row, resource)
        self.ctx.attributes.append((row.ifc_class, resource, row.attributes))

    def _tag(
        self, row: ElementRow, resource: Resource | None, counts: Counter[str], owners: dict[str, int], used: set[str]
    ) -> str:
        mine = resource.pk if resource is not None else None

        def free(tag: str) -> bool:
            return bool(tag) and len(tag) <= TAG_LENGTH and tag not in used and owners.get(tag, mine) == mine

        candidates = [row.tag] if row.tag and counts[row.tag] == 1 else []
        if resource is not None:
            candidates.append(resource.tag)
        candidates += self._generated_tags(row)
        for tag in candidates:
            if free(tag):
                used.add(tag)
                return tag
        return ""

    # --- systems --------------------------------------------------------------------------------
    def write_systems(self) -> None:
        ctx = self.ctx
        rows = [row for row in ctx.model.systems if not ctx.is_skipped(row)]
        loaded = ctx.load(System, rows)
        plans: list[tuple[GroupRow, int, list[Resource]]] = []
        left_out = 0
        for row in rows:
            members = [self.resources[m] for m in row.members if m in self.resources]
            if not members:
                left_out += 1
                continue
            site_id = Counter(self.sites[m] for m in row.members if m in self.resources).most_common(1)[0][0]
            plans.append((row, site_id, members))
        if left_out:
            ctx.report.notes.append(
                _(
                    "%(count)s system(s) hold no equipment MMS keeps (only pipes, ducts, fittings or building "
                    "elements) and were left out."
                )
                % {"count": left_out}
            )
        by_name: dict[tuple[int, str], System] = {}
        names = sorted({name for row, _site, _members in plans for name in self._system_names(row)})
        for part in chunks(names):
            for existing in System.objects.filter(site_id__in=sorted({p[1] for p in plans}), name__in=part):
                by_name[(existing.site_id, existing.name)] = existing
        claimed = {system.pk for system in loaded.values()}
        used: set[tuple[int, str]] = set()
        written: list[tuple[GroupRow, System, list[Resource], bool, bool]] = []
        for row, site_id, members in plans:
            system = loaded.get(row.step_id)
            if system is not None and not ctx.may_write(system.site_id):
                ctx.no_access(row)
                continue
            if system is None and (same := by_name.get((site_id, row.name))) and same.pk not in claimed:
                system = same
            name = next(
                (
                    n
                    for n in self._system_names(row)
                    if (site_id, n) not in used and by_name.get((site_id, n)) in (None, system)
                ),
                None,
            )
            if name is None:
                ctx.problem(row, "Name", _("Other systems of the site have the name %(name)s.") % {"name": row.name})
                continue
            is_new = system is None
            if system is None:
                system = System()
            values = {"site_id": site_id, "name": name, "category": row.category, "description": row.description}
            changed = apply_fields(system, values)
            if is_new or changed:
                try:
                    check(system, exclude=["site", "resources"])
                except ValidationError as error:
                    ctx.problem(row, *first_error(error, {"name": "Name"}, "Name"))
                    continue
                save(system, ctx.user)
            used.add((site_id, name))
            claimed.add(system.pk)
            written.append((row, system, members, is_new, changed))
        self._members(written)

    @staticmethod
    def _system_names(row: GroupRow) -> list[str]:
        return [row.name, f"{row.name} ({row.global_id})"[:200]]

    def _members(self, written: list[tuple[GroupRow, System, list[Resource], bool, bool]]) -> None:
        """Each system holds the file's equipment; members added by hand, or from another file, stay."""
        ctx = self.ctx
        through = System.resources.through
        current: dict[int, set[int]] = defaultdict(set)
        for part in chunks([system.pk for _row, system, _members, _new, _changed in written]):
            for system_id, resource_id in through.objects.filter(system_id__in=part).values_list(
                "system_id", "resource_id"
            ):
                current[system_id].add(resource_id)
        ours = {resource.pk for resource in self.resources.values()}
        adds, removes = [], []
        for row, system, members, is_new, changed in written:
            wanted = {resource.pk for resource in members}
            have = current.get(system.pk, set())
            new_members = wanted - have
            gone = (have & ours) - wanted
            adds += [through(system_id=system.pk, resource_id=pk) for pk in sorted(new_members)]
            removes += [(system.pk, pk) for pk in sorted(gone)]
            action = CREATED if is_new else UPDATED if changed or new_members or gone else UNCHANGED
            ctx.tally(row, "system", action)
            ctx.bind(row, system)
            ctx.attributes.append((row.ifc_class, system, row.attributes))
        through.objects.bulk_create(adds, batch_size=BATCH)
        by_system: dict[int, list[int]] = defaultdict(list)
        for system_id, resource_id in removes:
            by_system[system_id].append(resource_id)
        for system_id, resource_ids in by_system.items():
            through.objects.filter(system_id=system_id, resource_id__in=resource_ids).delete()
