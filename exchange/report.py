"""The report of one import: rows read per sheet, which records they became, and every problem with
sheet, row and column. It is what the dry run shows, what the real run returns, and what is kept (as
JSON) on the ``ImportRun``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

# What happened to a record made from a row.
CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
ACTIONS = (CREATED, UPDATED, UNCHANGED)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: where (sheet, 1-based row as a spreadsheet shows it, column header)
    and what. ``row`` is ``None`` for a problem of the whole sheet or file; a problem with a row makes
    that row skipped."""

    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = self.sheet
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}" if where else self.message


@dataclass
class ImportReport:
    """Counts and problems of one run. ``outcome[sheet][record label][action]`` counts the records made
    from the rows of a sheet (``"Component" -> "resource" -> "created" -> 232``)."""

    format: str
    dry_run: bool = True
    valid_rows: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    outcome: dict[str, dict[str, dict[str, int]]] = field(default_factory=lambda: defaultdict(dict))
    problems: list[Problem] = field(default_factory=list)
    skipped: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    written: bool = False
    refused: bool = False  # the file itself could not be read: nothing of it was looked at
    notes: list[str] = field(default_factory=list)

    # --- what importers call ------------------------------------------------------------------
    def read(self, sheet: str, rows: int) -> None:
        """``rows`` data rows (header not counted) were read from ``sheet``."""
        self.rows[sheet] = self.rows.get(sheet, 0) + rows

    def tally(self, sheet: str, record: str, action: str, count: int = 1) -> None:
        """``count`` records labelled ``record`` were created, updated or left unchanged from ``sheet``."""
        assert action in ACTIONS, action
        counts = self.outcome[sheet].setdefault(record, dict.fromkeys(ACTIONS, 0))
        counts[action] += count

    def problem(self, sheet: str, row: int | None, column: str, message: str) -> None:
        """Record a problem; a problem with a row marks the row skipped."""
        self.problems.append(Problem(sheet, row, column, str(message)))
        if row is not None:
            self.skipped[sheet].add(row)

    def refuse(self, message: str) -> None:
        """The file cannot be read at all (damaged, too big, not the format): a problem of the file."""
        self.refused = True
        self.problems.append(Problem("", None, "", str(message)))

    def is_skipped(self, sheet: str, row: int) -> bool:
        return row in self.skipped.get(sheet, ())

    # --- what screens, the API and commands read ----------------------------------------------
    @property
    def has_problems(self) -> bool:
        return bool(self.problems)

    def skipped_rows(self) -> list[tuple[str, int]]:
        return sorted((sheet, row) for sheet, rows in self.skipped.items() for row in rows)

    def total(self, action: str) -> int:
        return sum(counts[action] for records in self.outcome.values() for counts in records.values())

    def summary(self) -> str:
        parts = [f"{self.total(action)} {action}" for action in ACTIONS]
        text = ", ".join(parts)
        if self.problems:
            text += f"; {len(self.problems)} problem(s)"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "dry_run": self.dry_run,
            "valid_rows": self.valid_rows,
            "written": self.written,
            "refused": self.refused,
            "rows": dict(self.rows),
            "outcome": {sheet: dict(records) for sheet, records in self.outcome.items()},
            "problems": [
                {"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message} for p in self.problems
            ],
            "skipped": [{"sheet": sheet, "row": row} for sheet, row in self.skipped_rows()],
            "notes": list(self.notes),
            "totals": {action: self.total(action) for action in ACTIONS},
        }
