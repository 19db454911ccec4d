"""What a CSV register is: its columns (field, header, required, kind of value), its natural key, the
permissions to import and export it, and how its rows are written; and the context an import gives a
register (where to report problems, who imports, which sites they may write to).

A register (``exchange.csvio.registers``) subclasses ``Register`` and implements ``import_rows`` (rows
already read and checked cell by cell, in file order) and ``export_rows`` (the records as values by
field). Registers are found by their ``target`` (``register_of``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core.errors import ActionForbidden, ActionNotAllowed
from exchange.csvio.attributes import AttributeKeeper
from exchange.csvio.values import Text, ValueKind
from exchange.refs import apply_fields
from exchange.report import CREATED, UNCHANGED, UPDATED, ImportReport

PLAIN_TEXT = Text()


@dataclass(frozen=True)
class Column:
    """One field of a register: ``header`` is what an export writes and what an import recognises
    without a mapping; ``required`` columns must be in the file (or have a fixed value) and have a value
    on every row."""

    field: str
    header: str | Promise
    value: ValueKind = PLAIN_TEXT
    required: bool = False
    help: str | Promise = ""


@dataclass
class Row:
    """A data row of the file: values read by field (only the fields the file or the mapping gives;
    an empty cell is ``None``, or ``""`` for text) and the file's other columns with a value."""

    number: int
    values: dict[str, Any]
    extras: list[tuple[str, str]] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def given(self, *names: str) -> dict[str, Any]:
        """The values of ``names`` that the file gives (for updating only what it says)."""
        return {name: self.values[name] for name in names if name in self.values}


@dataclass
class ImportContext:
    """What a register's import works with: the report (problems by row and column), who imports, the
    sites they may write to (``None``: every site) and the headers the file uses for each field."""

    report: ImportReport
    sheet: str
    user: Any
    site_ids: frozenset[int] | None
    file_name: str
    headers: dict[str, str]  # field -> the file's column (or "fixed value")
    register: Register
    rejected: list[Row] = field(default_factory=list)  # rows left out for their problems (raw values)
    attributes: AttributeKeeper | None = None  # where the register keeps the file's extra columns

    def rejected_keys(self, name: str) -> dict[str, int]:
        """The raw ``name`` values of rejected rows -> their row number (to skip rows that need them)."""
        return {str(row.values.get(name) or ""): row.number for row in self.rejected if row.values.get(name)}

    def column(self, name: str | None) -> str:
        """The header under which the file gives ``name`` (the register's header if it does not)."""
        if not name:
            return ""
        if name in self.headers:
            return self.headers[name]
        column = self.register.column(name)
        return str(column.header) if column else name

    def problem(self, row: int | None, name: str | None, message: Any) -> None:
        self.report.problem(self.sheet, row, self.column(name), str(message))

    def tally(self, record: str, action: str) -> None:
        self.report.tally(self.sheet, record, action)

    def may_write(self, site_id: int | None) -> bool:
        return self.site_ids is None or site_id in self.site_ids

    @property
    def reason(self) -> str:
        return (_("CSV import of %(file)s") % {"file": self.file_name})[:100]

    def write(self, row: Row, action: Callable[[], None], *, fields: dict[str, str] | None = None) -> bool:
        """Run the writes of one row in a savepoint: a refusal rolls back that row alone and becomes a
        problem on it (a model field's error under the column of that field; ``fields`` renames model
        fields to register fields). True when the row was written."""
        try:
            with transaction.atomic():
                action()
        except ValidationError as error:
            self.validation_problems(row.number, error, fields or {})
        except (ActionNotAllowed, ActionForbidden) as refusal:
            self.problem(row.number, None, refusal.message)
        except IntegrityError as error:
            self.problem(row.number, None, _("The database refused the row (%(error)s).") % {"error": str(error)[:200]})
        else:
            return True
        return False

    def validation_problems(self, number: int, error: ValidationError, fields: dict[str, str]) -> None:
        if not hasattr(error, "error_dict"):
            self.problem(number, None, " ".join(error.messages))
            return
        for name, messages in error.message_dict.items():
            target = None if name == NON_FIELD_ERRORS else fields.get(name, name)
            self.problem(number, target, " ".join(messages))

    def save(self, obj: models.Model, values: dict[str, Any]) -> str:
        """Create ``obj`` (no pk yet) or update it with ``values``, validating first; save only on a
        change, with this import as the author and reason of the history row. Returns the report action;
        raises ``ValidationError`` (``write`` reports it on the row).

        As ``exchange.refs.save_record``, but for thousands of rows: related records the register
        loaded itself are not looked up again, and the model's database constraints are left to the
        database (its ``clean()`` gives the same rules with their messages; a refusal the database
        still makes becomes a problem of the row, which its savepoint rolls back)."""
        is_new = obj.pk is None
        if is_new:  # a new record has no related objects to compare with yet
            for name, value in values.items():
                setattr(obj, name, value)
        elif not apply_fields(obj, values):
            return UNCHANGED
        loaded = [name for name, value in values.items() if isinstance(value, models.Model) and value.pk is not None]
        obj.full_clean(exclude=loaded, validate_constraints=False)
        obj._history_user = self.user if getattr(self.user, "pk", None) else None  # type: ignore[attr-defined]
        obj._change_reason = self.reason  # type: ignore[attr-defined]
        obj.save()
        return CREATED if is_new else UPDATED

    def keep_attributes(self, obj: models.Model, row: Row, action: str) -> bool:
        """The file's extra columns with a value become the record's CSV attributes (nothing dropped);
        ``action``: what saving the record did. True if any attribute changed."""
        assert self.attributes is not None, "the register keeps no attributes"
        return self.attributes.keep(obj, row.extras, created=action == CREATED)

    def saved(self, record: str, action: str, changed_attributes: bool = False) -> None:
        """Count a record; one whose fields stayed but whose attributes changed was updated."""
        self.tally(record, UPDATED if action == UNCHANGED and changed_attributes else action)


class Register:
    """A kind of record a CSV file can hold (resources, parts, ...), with its columns and natural key."""

    target: ClassVar[str]
    position: ClassVar[int]  # where screens list it
    label: ClassVar[str | Promise]
    record: ClassVar[str]  # what the report counts ("resource")
    columns: ClassVar[tuple[Column, ...]]
    key: ClassVar[tuple[str, ...]]  # the fields that find the record again on a re-import
    key_help: ClassVar[str | Promise]
    import_permissions: ClassVar[tuple[str, ...]]
    export_permission: ClassVar[str]
    # The model whose records keep the file's extra columns as attributes (None: the register has none).
    attribute_model: ClassVar[type[models.Model] | None] = None

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.field == name), None)

    @property
    def fields(self) -> list[str]:
        return [column.field for column in self.columns]

    def may_import(self, user: Any) -> bool:
        return all(user.has_perm(permission) for permission in self.import_permissions)

    def may_export(self, user: Any) -> bool:
        return bool(user.has_perm(self.export_permission))

    def import_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        raise NotImplementedError

    def export_rows(self, user: Any, site_ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
        """The records the user sees (in ``site_ids``; ``None``: every site) as values by field, and
        ``"_attributes"``: their CSV attributes by name (registers that keep attributes)."""
        raise NotImplementedError


_registers: dict[str, Register] = {}


def register(cls: type[Register]) -> type[Register]:
    _registers[cls.target] = cls()
    return cls


def registers() -> dict[str, Register]:
    """The registers by target, in the order screens list them."""
    return dict(sorted(_registers.items(), key=lambda item: item[1].position))


def register_of(target: str) -> Register:
    try:
        return _registers[target]
    except KeyError:
        known = ", ".join(sorted(_registers))
        raise ValueError(
            _("There is no CSV register “%(target)s”; choose one of: %(known)s.") % {"target": target, "known": known}
        ) from None
