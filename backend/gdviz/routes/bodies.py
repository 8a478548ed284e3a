"""How a route reads a JSON body, and how a refused input is answered: both bounded, so that no body
under the size cap can hold the event loop.

- **Reading**: an object with more than ``MAX_KEYS`` keys is refused as it is parsed (no model of the
  API has a third as many fields; 90,000 unknown keys cost pydantic a second to list), and so is
  what cannot be parsed at all (invalid UTF-8, nesting deeper than Python's recursion limit, an
  integer over 4,300 digits): each a 422 on ``["body"]``, never an undeclared 400. A body with far
  more keys or items than any body of the API is refused before it is parsed at all: counting its
  ``:`` and ``,`` takes a millisecond, while parsing 90,000 keys holds the interpreter (and so the
  event loop, whatever thread parses) for tens of milliseconds.
- **Answering**: at most ``MAX_ERRORS`` errors, each echoing at most ``EXCERPT_CHARS`` characters of
  what was sent, in its ``input``, ``loc``, ``msg`` and ``ctx`` alike.
"""

import json
import re
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import anyio
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import Response

from ..config import MAX_INLINE_POINTS
from ..guards import EXCERPT_CHARS, excerpt

MAX_KEYS = 100  # keys of any one JSON object in a body
MAX_COLONS = 1000  # keys in all (at most): a job's body has some 40
MAX_COMMAS = 2 * MAX_INLINE_POINTS + 1000  # items in all: a job's points are two lists of 10,000
MAX_ERRORS = 8  # errors answered for one request; the rest are counted
MAX_MSG_CHARS = 2 * EXCERPT_CHARS + 120  # a message quoting an input (a tag, a key) stays short
OFF_LOOP_BYTES = 64 * 1024  # a larger body is parsed in a worker thread
QUOTED = re.compile(rf"'([^']{{{EXCERPT_CHARS + 1},}})'")  # an input quoted in a message


class TooWide(ValueError):
    pass


def bounded_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(pairs) > MAX_KEYS:
        raise TooWide(f"an object with {len(pairs):,} keys: at most {MAX_KEYS}")
    return dict(pairs)


def parse(body: bytes, max_keys: int = MAX_COLONS) -> Any:
    """The JSON ``body``, or a ``RequestValidationError`` saying why it is not one."""
    if body.count(b":") > max_keys:
        raise RequestValidationError(
            [refusal(f"more than {max_keys:,} keys: no body of this route has as many")]
        )
    if body.count(b",") > MAX_COMMAS:
        why = f"more than {MAX_COMMAS:,} items: a job's points are at most two lists of {MAX_INLINE_POINTS:,}"
        raise RequestValidationError([refusal(why)])
    try:
        return json.loads(body, object_pairs_hook=bounded_object)
    except json.JSONDecodeError as exc:  # as FastAPI says it
        error = {"loc": ("body", exc.pos), "msg": "JSON decode error", "type": "json_invalid"}
        raise RequestValidationError([error | {"ctx": {"error": exc.msg}}]) from None
    except TooWide as exc:
        raise RequestValidationError([refusal(str(exc))]) from None
    except UnicodeDecodeError:
        raise RequestValidationError([refusal("the body is not UTF-8 text")]) from None
    except RecursionError:
        raise RequestValidationError([refusal("the body is nested too deeply")]) from None
    except ValueError as exc:  # Python's own limit: an integer of more than 4,300 digits
        why = "a number with too many digits" if "digits" in str(exc) else "JSON it cannot read"
        raise RequestValidationError([refusal(f"the body holds {why}")]) from None


def refusal(msg: str) -> dict[str, Any]:
    return {"loc": ("body",), "msg": msg, "type": "json_invalid"}


def is_json(request: Request) -> bool:
    """Whether FastAPI reads the body as JSON: a content type ``application/json`` or ``…+json``."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    main, _, sub = kind.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


async def read_json(request: Request, max_keys: int = MAX_COLONS) -> None:
    """Parse a JSON body once, bounded (off the event loop when large), where FastAPI finds it."""
    if not is_json(request):
        return
    body = await request.body()
    if not body:
        return
    parsed = (
        parse(body, max_keys)
        if len(body) <= OFF_LOOP_BYTES
        else await anyio.to_thread.run_sync(parse, body, max_keys)
    )
    request._json = parsed  # Starlette's own cache of request.json(): FastAPI reads it from there


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def with_json_read(handler: Handler, max_keys: int = MAX_COLONS) -> Handler:
    """A route's handler that first reads its JSON body with ``read_json`` (at most ``max_keys``
    keys in all: a watched run's batch has more than any other body)."""

    async def handle(request: Request) -> Response:
        await read_json(request, max_keys)
        return await handler(request)

    return handle


def shortened(value: object, limit: int = EXCERPT_CHARS) -> object:
    """Text over ``limit`` characters as its start and its length; anything else as ``excerpt``."""
    if isinstance(value, str):
        return value if len(value) <= limit else f"{value[:limit]}… ({len(value)} characters)"
    return excerpt(value)


def short_message(msg: str) -> str:
    """A message with what it quotes of the input shortened (pydantic quotes a tag whole)."""
    msg = QUOTED.sub(lambda m: f"'{shortened(m[1])}'", msg)
    return str(shortened(msg, MAX_MSG_CHARS))


def trimmed(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """The errors a client is answered: the first ``MAX_ERRORS``, each echoing little of the input
    (in ``input``, ``loc``, ``msg`` and ``ctx``), then one saying how many more there were."""
    out = []
    for error in jsonable_encoder(list(errors[:MAX_ERRORS])):
        item: dict[str, Any] = {
            "loc": [
                part if isinstance(part, int) else shortened(str(part)) for part in error["loc"]
            ],
            "msg": short_message(str(error.get("msg", ""))),
            "type": error.get("type", "value_error"),
        }
        if "input" in error:
            item["input"] = excerpt(error["input"])
        if isinstance(error.get("ctx"), dict):
            item["ctx"] = {str(k)[:EXCERPT_CHARS]: shortened(v) for k, v in error["ctx"].items()}
        out.append(item)
    if len(errors) > MAX_ERRORS:
        root = out[0]["loc"][:1] if out else ["body"]
        more = len(errors) - MAX_ERRORS
        out.append(
            {"loc": root, "msg": f"and {more:,} more errors like these", "type": "too_many_errors"}
        )
    return out
