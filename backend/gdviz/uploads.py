"""Uploaded CSV tables: parsed once, only their numbers kept (float64), and the store they are kept
in as jobs see it (``UploadStore``; its kinds are in ``gdviz.store``).

Real-world exports are understood: old-Mac line endings (bare ``\\r``), Excel's "Unicode text"
(UTF-16 with a BOM, tab-separated) and European exports (``;`` between cells, decimal commas).
"""

import csv
import io
import math
import uuid
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import torch
from typing_extensions import TypedDict

from .settings import Settings

MAX_CELL_CHARS = csv.field_size_limit()  # 131,072: Python's csv module refuses longer cells


class UploadError(ValueError):
    def __init__(self, status: int, msg: str) -> None:
        super().__init__(msg)
        self.status = status
        self.msg = msg


class Column(TypedDict):
    name: str
    numeric: bool  # at least two numeric values


class UploadSummary(TypedDict):
    id: str  # a job's dataset: {"kind": "upload", "id": ...}
    filename: str
    rows: int
    columns: list[Column]
    x: str | None  # the default x column: the first numeric one
    y: str | None  # the default y column: the second numeric one


@dataclass
class Table:
    id: str
    filename: str
    rows: int
    names: list[str]  # every column, in the file's order
    columns: dict[
        str, torch.Tensor
    ]  # numeric columns only: float64, NaN where a cell is not a number

    @property
    def numeric(self) -> list[str]:
        return list(self.columns)

    @property
    def default_x(self) -> str | None:
        return self.numeric[0] if self.numeric else None

    @property
    def default_y(self) -> str | None:
        return self.numeric[1] if len(self.numeric) > 1 else None

    @property
    def nbytes(self) -> int:
        return sum(col.nbytes for col in self.columns.values())

    def summary(self) -> UploadSummary:
        return {
            "id": self.id,
            "filename": self.filename,
            "rows": self.rows,
            "columns": [{"name": name, "numeric": name in self.columns} for name in self.names],
            "x": self.default_x,
            "y": self.default_y,
        }


def decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text": UTF-16 with a BOM
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise UploadError(422, "file: broken UTF-16 text; save the CSV as UTF-8") from None
    if b"\x00" in raw[:4096]:
        raise UploadError(422, "file: binary data, not a CSV text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError(422, "file: not UTF-8 text; save the CSV as UTF-8") from None


def number_reader(decimal_comma: bool) -> Callable[[str], float]:
    """Cell text → float, NaN where it is not a finite number."""

    def number(cell: str) -> float:
        if decimal_comma and "," in cell:  # 1.234,5 → 1234.5
            cell = cell.replace(".", "").replace(",", ".")
        try:
            value = float(cell)
        except ValueError:
            return math.nan
        return value if math.isfinite(value) else math.nan

    return number


def parse_csv(raw: bytes, filename: str, max_rows: int) -> Table:
    text = decode(raw)
    # One line per line whatever the file's ending (\r\n, \n or a bare \r), cells unsplit:
    # csv only accepts a bare \r inside a quoted cell, so it is normalized first.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)  # the header's most frequent; "," on a tie
    # Excel writes ";" between cells where the comma is the decimal mark (de, fr, it, …).
    decimal_comma = delimiter == ";"
    number = number_reader(decimal_comma)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header or len(header) < 2:
            raise UploadError(422, "file: needs a header row naming at least 2 columns")
        header = [h.strip()[:200] or f"column {i + 1}" for i, h in enumerate(header)]
        if len(set(header)) != len(header):
            raise UploadError(422, "file: column names in the header must be unique")
        # A column's array is made only when its first number turns up (NaN-filled up to there):
        # a wide header over narrow rows costs nothing for the columns that stay empty.
        values: list[array[float] | None] = [None] * len(header)
        rows = 0
        for row in reader:
            if not row:
                continue
            rows += 1
            if rows > max_rows:
                raise UploadError(413, f"file: more than {max_rows} rows (the limit)")
            for i, cell in enumerate(row[: len(header)]):
                value = number(cell)
                col = values[i]
                if col is None:
                    if math.isnan(value):
                        continue
                    col = values[i] = array("d", [math.nan]) * (rows - 1)
                if len(col) < rows - 1:  # short rows before this one
                    col.extend([math.nan] * (rows - 1 - len(col)))
                col.append(value)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise UploadError(
                413, f"file: a cell longer than {MAX_CELL_CHARS} characters (the limit)"
            ) from None
        raise UploadError(422, f"file: not a readable CSV ({exc})") from None
    columns: dict[str, torch.Tensor] = {}
    for name, col in zip(header, values, strict=True):
        if col is None:
            continue
        col.extend([math.nan] * (rows - len(col)))
        tensor = torch.frombuffer(col, dtype=torch.float64).clone() if col else torch.empty(0)
        if int(tensor.isfinite().sum()) >= 2:
            columns[name] = tensor
    if len(columns) < 2:
        hint = ""
        if not decimal_comma and any(c.count(",") > len(header) for c in text[:4096].splitlines()):
            hint = " (decimal commas are read only with ';' between cells)"
        raise UploadError(
            422, f"file: needs at least 2 columns with 2 or more numeric values{hint}"
        )
    return Table(
        id=uuid.uuid4().hex[:12],
        filename=filename[:200],
        rows=rows,
        names=header,
        columns=columns,
    )


class UploadStore(Protocol):
    """Where uploads are kept for jobs to use: this process's memory, or Redis for every process."""

    def add(self, table: Table, raw: bytes) -> None:
        """Keep ``table`` (``raw``: its file, for a store that parses it again elsewhere); 413
        ``UploadError`` when its numbers alone are more than all uploads may hold."""

    def get(self, id: str) -> Table | None: ...


def accept(raw: bytes, filename: str, settings: Settings, uploads: UploadStore) -> Table:
    """A CSV as ``POST /api/datasets`` and ``gdviz train --dataset FILE.csv`` take it: checked
    against the size and row limits, parsed, and kept in ``uploads`` for jobs to use."""
    if len(raw) > settings.upload_max_bytes:
        raise UploadError(413, f"file: larger than {settings.upload_max_bytes} bytes (the limit)")
    table = parse_csv(raw, filename, settings.upload_max_rows)
    uploads.add(table, raw)
    return table
