"""How a job's events are written as server-sent events."""

import json
import math

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


class Event:
    """One server-sent event. A record (checked ``finite``) is written as JSON when first read, so a
    job nobody watches writes none, and the wire form is built once however many clients watch.

    A plain class with slots: the worker makes one per epoch, and a dataclass costs more to make."""

    __slots__ = ("id", "event", "payload", "_encoded")

    def __init__(self, id: int, event: str, payload: str | dict) -> None:
        self.id, self.event, self.payload = id, event, payload  # event: meta | epoch | step | done
        self._encoded: bytes | None = None

    @property
    def data(self) -> str:
        return self.payload if isinstance(self.payload, str) else dumps_record(self.payload)

    @property
    def encoded(self) -> bytes:
        if self._encoded is None:
            self._encoded = ServerSentEvent(data=self.data, event=self.event, id=str(self.id)).encode()
        return self._encoded
