"""Uploads in memory: capped in count and bytes, the oldest evicted first."""

import pytest

from gdviz.store.memory.uploads import MemoryUploads
from gdviz.uploads import UploadError, parse_csv


def test_uploads_are_capped_in_bytes_evicting_the_oldest():
    def table(rows: int):
        return parse_csv(b"x,y\n" + b"1,2\n" * rows, "t.csv", 10_000)

    kept = MemoryUploads(max_count=50, max_bytes=3 * 1000 * 16)
    tables = [table(1000) for _ in range(4)]
    for t in tables:
        kept.add(t)
    assert kept.get(tables[0].id) is None and all(kept.get(t.id) for t in tables[1:])
    assert kept.nbytes <= kept.max_bytes
    with pytest.raises(UploadError) as err:
        kept.add(table(4000))
    assert err.value.status == 413
