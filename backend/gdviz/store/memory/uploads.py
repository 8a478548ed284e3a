"""Uploads in this process's memory: the oldest evicted under a count and a byte cap."""

from collections import OrderedDict

from ...uploads import Table, UploadError


class MemoryUploads:
    """The uploads kept, oldest first: at most ``max_count`` of them and ``max_bytes`` of numbers."""

    def __init__(self, max_count: int = 50, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._tables: OrderedDict[str, Table] = OrderedDict()

    @property
    def nbytes(self) -> int:
        return sum(table.nbytes for table in self._tables.values())

    def add(self, table: Table, raw: bytes = b"") -> None:
        self.check(table)
        self.keep(table)

    def get(self, id: str) -> Table | None:
        return self._tables.get(id)

    def check(self, table: Table) -> None:
        """Refuse a table larger than all uploads may hold."""
        if table.nbytes > self.max_bytes:
            raise UploadError(
                413, f"file: its numbers need {table.nbytes} bytes, more than all uploads may hold"
            )

    def keep(self, table: Table) -> None:
        """Keep ``table``, evicting the oldest while over a cap."""
        self._tables[table.id] = table
        while len(self._tables) > self.max_count or self.nbytes > self.max_bytes:
            self._tables.popitem(last=False)
