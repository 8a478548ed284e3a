"""How a job's events are written as server-sent events."""

import json
import math
from dataclasses import dataclass
from functools import cached_property

from sse_starlette import ServerSentEvent


def dumps(data: object) -> str:
    """JSON that refuses NaN and infinity: a diverging run must never leak them to a client."""
    return json.dumps(data, allow_nan=False, separators=(",", ":"))


def finite(record: dict) -> bool:
    return all(math.isfinite(v) for v in record.values() if isinstance(v, float))


@dataclass(frozen=True)
class Event:
    id: int
    event: str  # meta | epoch | step | done
    data: str  # JSON

    @cached_property
    def encoded(self) -> bytes:
        """The wire form, built once however many clients watch."""
        return ServerSentEvent(data=self.data, event=self.event, id=str(self.id)).encode()
