"""How a job's events are written as server-sent events."""

import json
import math
from dataclasses import dataclass
from functools import cached_property

from sse_starlette import ServerSentEvent


def dumps(data: object) -> str:
    """JSON that refuses NaN and infinity: a diverging run must never leak them to a client."""
    return json.dumps(data, allow_nan=False, separators=(",", ":"))


def dumps_record(record: dict[str, float | int]) -> str:
    """``dumps`` for a flat record of finite numbers (check ``finite`` first), several times faster:
    json writes ints and floats with their ``repr``, exactly as here."""
    return "{" + ",".join([f'"{k}":{v!r}' for k, v in record.items()]) + "}"


def finite(record: dict[str, float | int]) -> bool:
    return all(map(math.isfinite, record.values()))


@dataclass(frozen=True)
class Event:
    id: int
    event: str  # meta | epoch | step | done
    payload: str | dict  # JSON, or a record (checked ``finite``) that is written as JSON when first read

    @cached_property
    def data(self) -> str:
        """The JSON; a record is encoded on first read, so a job nobody watches writes none."""
        return self.payload if isinstance(self.payload, str) else dumps_record(self.payload)

    @cached_property
    def encoded(self) -> bytes:
        """The wire form, built once however many clients watch."""
        return ServerSentEvent(data=self.data, event=self.event, id=str(self.id)).encode()
