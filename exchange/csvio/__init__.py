"""CSV registers in and out (format ``"csv"``): resources, areas, parts, stock levels, counters,
readings, employees, maintenance plans and the history of closed work orders, one register per file
(the option ``"target"``), columns mapped by header or through a saved ``ColumnMapping``.

- ``reader``: the file as people's files are (encodings, delimiters, quoting);
- ``values``: the kinds of value a column holds, read and written the same way;
- ``columns``: what a register is, and what an import gives it;
- ``binding``: which column feeds which field (a mapping, or the headers), and the rows read through it;
- ``mappings``: the services of saved column mappings;
- ``attributes``: the file's other columns, kept as attributes of the record;
- ``registers``: one module per part of the domain;
- ``importer``: the importer and exporter registered with ``exchange.registry``.
"""

from __future__ import annotations

from exchange.csvio import registers  # noqa: F401  (registers the registers)
from exchange.csvio.importer import CsvExporter, CsvImporter
from exchange.registry import register_exporter, register_importer

register_importer(CsvImporter())
register_exporter(CsvExporter())
