"""A room's questions on Redis (``RedisRooms``' part that reads them, reveals them and opens a
revote's next round): a question's spec (kept in this process: it never changes once asked) and
its rounds' votes, one hash per round (``scripts.py``)."""

import json
from typing import Any

import redis.asyncio as aredis

from ...events import dumps
from ...rooms import (
    MAX_ROUNDS,
    QuestionSpec,
    QuestionView,
    Round,
    no_question,
    no_room,
    revote_revealed,
    too_many_rounds,
)
from ...votes import question_view
from .scripts import key, room_key


class RoomQuestions:
    r: aredis.Redis
    idle_ms: int
    _specs: dict[tuple[str, int], QuestionSpec]
    _reveal: Any  # the scripts, registered by RedisRooms
    _revote: Any
    _emit: Any

    async def _spec(self, code: str, qid: int) -> QuestionSpec:
        spec = self._specs.get((code, qid))
        if spec is None:
            text = await self.r.hget(room_key(code, f"q:{qid}"), "spec")
            if text is None:
                if not await self.r.exists(room_key(code)):
                    raise no_room(code)
                raise no_question(code, qid)
            spec = self._specs[(code, qid)] = json.loads(text)
            if len(self._specs) > 10_000:
                self._specs.pop(next(iter(self._specs)))
        return spec

    async def question(self, code: str, qid: int) -> tuple[QuestionSpec, list[Round], bool]:
        spec = await self._spec(code, qid)
        is_revealed, rounds = await self._rounds(code, qid)
        return spec, rounds, is_revealed

    async def _rounds(self, code: str, qid: int) -> tuple[bool, list[Round]]:
        """Whether question ``qid`` is revealed, and its rounds' votes."""
        is_revealed, last = await self.r.hmget(room_key(code, f"q:{qid}"), ["revealed", "round"])
        pipe = self.r.pipeline(transaction=True)
        for r in range(1, int(last or 1) + 1):
            pipe.hgetall(room_key(code, f"a:{qid}" + (f":{r}" if r > 1 else "")))
        return bool(is_revealed), [round_of(r) for r in await pipe.execute()]

    async def questions(self, code: str) -> list[tuple[int, QuestionSpec, list[Round]]]:
        asked = await self.r.hget(room_key(code), "questions")
        if asked is None:
            raise no_room(code)
        out = []
        for qid in range(1, int(asked) + 1):
            spec = await self._spec(code, qid)
            out.append((qid, spec, (await self._rounds(code, qid))[1]))
        return out

    async def reveal(self, code: str, qid: int) -> QuestionView:
        got = await self._reveal(
            keys=[room_key(code), room_key(code, f"q:{qid}"), key("rooms")],
            args=[code, self.idle_ms],
        )
        if got == -1:
            raise no_room(code)
        if got == -2:
            raise no_question(code, qid)
        spec, rounds, _ = await self.question(code, qid)
        view = question_view(qid, spec, rounds, True, True)
        if (
            await self._emit(
                keys=[room_key(code), room_key(code, "events")], args=["reveal", dumps(view)]
            )
            == -1
        ):
            raise no_room(code)
        return view

    async def revote(self, code: str, qid: int) -> QuestionView:
        spec = await self._spec(code, qid)
        view: dict[str, object] = dict(question_view(0, spec, [{}], False, False))
        for name in ("id", "round", "answers"):
            del view[name]
        got = await self._revote(
            keys=[
                room_key(code),
                room_key(code, f"q:{qid}"),
                room_key(code, "events"),
                key("rooms"),
            ],
            args=[qid, dumps(view), code, self.idle_ms, MAX_ROUNDS],
        )
        match got:
            case -1:
                raise no_room(code)
            case -2:
                raise no_question(code, qid)
            case -3:
                raise revote_revealed(qid)
            case -4:
                raise too_many_rounds(qid)
        _, rounds, _ = await self.question(code, qid)
        return question_view(qid, spec, rounds, False, True)


def round_of(flat: list[str] | dict[str, str]) -> Round:
    """A round's votes from HGETALL (a dict, or a script's flat list): student → vote."""
    pairs = flat.items() if isinstance(flat, dict) else zip(flat[::2], flat[1::2], strict=True)
    return {student: json.loads(v) for student, v in pairs}
