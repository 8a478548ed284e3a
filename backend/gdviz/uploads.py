"""Uploaded CSV tables, parsed once and kept in memory (a count cap evicts the oldest)."""

import csv
import io
import math
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

import torch
from typing_extensions import TypedDict

from .settings import Settings


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
    columns: dict[str, torch.Tensor]  # float64, NaN where a cell is missing or not a number

    @property
    def numeric(self) -> list[str]:
        return [name for name, col in self.columns.items() if int(col.isfinite().sum()) >= 2]

    @property
    def default_x(self) -> str | None:
        return self.numeric[0] if self.numeric else None

    @property
    def default_y(self) -> str | None:
        return self.numeric[1] if len(self.numeric) > 1 else None

    def summary(self) -> UploadSummary:
        numeric = set(self.numeric)
        return {
            "id": self.id,
            "filename": self.filename,
            "rows": self.rows,
            "columns": [{"name": name, "numeric": name in numeric} for name in self.columns],
            "x": self.default_x,
            "y": self.default_y,
        }


def _number(cell: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def parse_csv(raw: bytes, filename: str, max_rows: int) -> Table:
    if b"\x00" in raw[:4096]:
        raise UploadError(422, "file: binary data, not a CSV text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError(422, "file: not UTF-8 text; save the CSV as UTF-8") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header or len(header) < 2:
        raise UploadError(422, "file: needs a header row naming at least 2 columns")
    header = [h.strip() or f"column {i + 1}" for i, h in enumerate(header)]
    if len(set(header)) != len(header):
        raise UploadError(422, "file: column names in the header must be unique")
    values: list[list[float]] = [[] for _ in header]
    rows = 0
    for row in reader:
        if not row:
            continue
        rows += 1
        if rows > max_rows:
            raise UploadError(413, f"file: more than {max_rows} rows (the limit)")
        for i, col in enumerate(values):
            col.append(_number(row[i]) if i < len(row) else math.nan)
    table = Table(
        id=uuid.uuid4().hex[:12],
        filename=filename[:200],
        rows=rows,
        columns={
            name: torch.tensor(col, dtype=torch.float64)
            for name, col in zip(header, values, strict=True)
        },
    )
    if len(table.numeric) < 2:
        raise UploadError(422, "file: needs at least 2 columns with 2 or more numeric values")
    return table


class SharedUploads(Protocol):
    """Where every process finds the uploads (Redis, see ``gdviz.cluster``)."""

    def put(self, table: Table, raw: bytes) -> None: ...

    def get(self, id: str) -> Table | None: ...


class Uploads:
    def __init__(self, max_count: int = 50) -> None:
        self.max_count = max_count
        self._tables: OrderedDict[str, Table] = OrderedDict()
        self.shared: SharedUploads | None = None

    def add(self, table: Table, raw: bytes = b"") -> None:
        """Keep ``table``; ``raw``, its file, goes to the shared store if there is one."""
        if self.shared is not None:
            self.shared.put(table, raw)
        self._keep(table)

    def get(self, id: str) -> Table | None:
        table = self._tables.get(id)
        if table is None and self.shared is not None:
            table = self.shared.get(id)
            if table is not None:
                self._keep(table)
        return table

    def _keep(self, table: Table) -> None:
        self._tables[table.id] = table
        while len(self._tables) > self.max_count:
            self._tables.popitem(last=False)


uploads = Uploads()


def accept(raw: bytes, filename: str, settings: Settings) -> Table:
    """A CSV as ``POST /api/datasets`` and ``gdviz train --dataset FILE.csv`` take it: checked
    against the size and row limits, parsed, and kept for jobs to use."""
    if len(raw) > settings.upload_max_bytes:
        raise UploadError(413, f"file: larger than {settings.upload_max_bytes} bytes (the limit)")
    table = parse_csv(raw, filename, settings.upload_max_rows)
    uploads.add(table, raw)
    return table
