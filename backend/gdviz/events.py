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


def encode(id: int, event: str, payload: str | dict[str, float | int]) -> bytes:
    """The wire form of one event: ``payload`` is JSON text, or a record (checked ``finite``) that
    is written as JSON here — so a record nobody streams is never written at all."""
    data = payload if isinstance(payload, str) else dumps_record(payload)
    return ServerSentEvent(data=data, event=event, id=str(id)).encode()
