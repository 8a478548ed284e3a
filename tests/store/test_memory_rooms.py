"""Rooms in memory (``store/memory/rooms.py``): what refused posts leave behind, and rooms that
close by themselves — in process, on the store's own coroutines."""

import asyncio
import time
import tracemalloc

import pytest

from gdviz.rooms import RoomError
from gdviz.settings import Settings
from gdviz.store.memory.rooms import MemoryRooms
from support import run


def test_refused_posts_keep_nothing():
    """20,000 answers under made-up names to a full question: every one refused, none kept (each
    once held a list of its times for the room's life, 18 MB in all)."""

    async def flood() -> tuple[MemoryRooms, str, int]:
        rooms = MemoryRooms(Settings(room_max_answers=1, room_posts_per_address=10**6))
        code, _, _ = await rooms.create("10.0.0.1")
        qid = await rooms.ask(code, {"kind": "point", "prompt": "p"})
        await rooms.answer(code, qid, "first", "10.0.0.2", [1.0, 2.0])
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        refused = 0
        for i in range(20_000):
            try:
                await rooms.answer(code, qid, f"made-up-{i}", f"10.1.{i // 256}.{i % 256}", [0, 0])
            except RoomError as exc:
                refused += exc.status == 409
        grown = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        return rooms, code, refused if grown < 200_000 else -grown

    rooms, code, refused = run(flood())
    assert refused == 20_000, f"memory grew by {-refused} bytes"
    room = rooms.rooms[code]
    assert len(room.students.times) == 1 and len(room.addresses.times) == 1  # the one kept


def test_rooms_due_close_with_their_last_event():
    async def idle() -> list[tuple[str, object]]:
        rooms = MemoryRooms(Settings(room_idle_s=0.2))
        code, _, _ = await rooms.create("10.0.0.1")
        log = await rooms.log(code)
        rooms.start(asyncio.get_running_loop())
        await asyncio.sleep(1.5)  # idle after 0.2 s; swept within a second
        with pytest.raises(RoomError):
            await rooms.snapshot(code)
        await rooms.close()
        return [(event, payload) for event, payload in log.events]  # type: ignore[attr-defined]

    events = run(idle())
    assert events[-1][0] == "closed" and '"reason":"idle"' in str(events[-1][1])


def test_posts_are_forgotten_once_out_of_their_window():
    async def posts() -> int:
        rooms = MemoryRooms(Settings())
        code, _, _ = await rooms.create("10.0.0.1")
        qid = await rooms.ask(code, {"kind": "point", "prompt": "p"})
        for i in range(100):
            await rooms.answer(code, qid, f"s{i}", "10.0.0.2", [0, 0])
        room = rooms.rooms[code]
        room.students.prune(time.monotonic() + 61)  # a minute on: no student's post counts
        return len(room.students.times)

    assert run(posts()) == 0
