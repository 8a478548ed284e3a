"""What the routes and streams see of a store: its jobs (``JobStore``, each job a ``JobHandle``)
and its rooms (``RoomStore``); uploads are an ``UploadStore`` (``gdviz.uploads``).

A ``JobHandle`` says nothing of how a job trains, only what a client may ask of it: its events
(``log``), its state, a live change, a cancel. So a job whose events come from elsewhere than our
trainer can be one too.
"""

import asyncio
from typing import Any, Protocol

from typing_extensions import TypedDict

from ..config import JobConfig
from ..data import Data
from ..events import EventLog
from ..models import ModelDef
from ..payloads import Finished, JobState, Meta, Point, Record, Status
from ..rooms import Answer, Player, QuestionSpec, QuestionView, Round, Run, SharedRun, Snapshot
from ..watched import RunEvent, RunSpec


class TooManyJobs(RuntimeError):
    """``max_jobs`` jobs are queued or running (429)."""


class NoAnswer(RuntimeError):
    """A change that the job's training process did not answer in time (503): on a shared store,
    the job is between processes (one died and another is taking it over)."""


class JobCounts(TypedDict):
    running: int
    queued: int
    kept: int  # every job the store still holds, finished ones included


class Setup(Protocol):
    """What a job's loss surface and script are made from."""

    @property
    def data(self) -> Data: ...

    @property
    def definition(self) -> ModelDef:
        """Its model: parameters, forward, landscape."""

    @property
    def start(self) -> Point | dict[str, float]:
        """(w, b) before training, where the model has them."""

    @property
    def start_params(self) -> list[float]: ...


class JobHandle(Protocol):
    """A job as a request sees it."""

    @property
    def id(self) -> str: ...

    @property
    def config(self) -> JobConfig: ...

    @property
    def meta(self) -> Meta: ...

    @property
    def status(self) -> Status:
        """As this process last knew it (a new job's: ``queued``)."""

    @property
    def log(self) -> EventLog:
        """Its events, for streams (on the event loop)."""

    @property
    def setup(self) -> Setup: ...

    def summary(self, history: bool = True) -> JobState:
        """Its state now; may block (called from a worker thread)."""

    async def change(self, values: dict[str, float]) -> int:
        """Apply a live change from the next epoch on; that epoch. ``JobEnded`` when it has
        none left; ``NoAnswer`` when its trainer did not answer in time."""

    async def cancel(self) -> None:
        """Ask it to stop (a finished job stays as it is)."""

    async def changes(self) -> list[Record]:
        """The live changes applied so far, as their ``change`` events."""

    async def wait_finished(self, timeout: float) -> None:
        """Return once it has finished, or after ``timeout`` seconds."""


class RunHandle(Protocol):
    """A watched run as its loop sees it (``POST /api/runs/{id}/events`` and ``/done``). Each
    method raises ``RunError``: 409 once it has ended, 422 naming a field, 429 past the rate."""

    @property
    def id(self) -> str: ...

    @property
    def token_digest(self) -> str:
        """The digest of the token its loop writes with."""

    async def add(self, events: list[RunEvent]) -> tuple[int, Status]:
        """Append a batch of epochs, in order; the epochs it has now, and its status."""

    async def end(self, status: Finished, reason: str | None) -> None: ...


class JobStore(Protocol):
    """Where jobs are made, found and trained."""

    async def create(self, config: JobConfig) -> JobHandle:
        """Build a job and queue it; ``ConfigError`` for input that fits no run, ``TooManyJobs``."""

    async def get(self, job_id: str) -> JobHandle | None: ...

    async def create_run(self, spec: RunSpec, token_digest: str) -> JobHandle:
        """A watched run (``gdviz.watched``), kept and expired as jobs are; ``ConfigError``,
        ``TooManyJobs``."""

    async def get_run(self, run_id: str) -> RunHandle | None:
        """A watched run, for its loop (None for a job gdviz trains)."""

    async def counts(self) -> JobCounts: ...

    async def problem(self) -> str | None:
        """Why jobs cannot be made now, if they cannot (the store is unreachable)."""

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Start training (on ``loop``, streams are woken)."""

    def shutdown(self, timeout: float = 2.0) -> None:
        """Stop training within ``timeout`` seconds."""


class RoomStore(Protocol):
    """Where rooms live. Every method refuses an unknown, closed or expired room with a 404
    ``RoomError``. A room closes when its teacher closes it, when it has been idle (no change by
    its teacher) for ``room_idle_s``, or ``room_ttl_s`` after it opened; its stream then ends with
    ``closed``."""

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start closing the rooms that are due (on ``loop``)."""

    async def create(self, owner: str) -> tuple[str, str, float]:
        """A new room opened from address ``owner``: (code, teacher key, expires at); 429 when
        ``max_rooms`` are open, or ``rooms_per_address`` of ``owner``'s."""

    async def teacher_digest(self, code: str) -> str:
        """The digest of the room's teacher key."""

    async def snapshot(self, code: str) -> Snapshot: ...

    async def set_run(self, code: str, run: Run) -> None:
        """What the room shows now; followers load it."""

    async def set_player(self, code: str, player: Player) -> None: ...

    async def ask(self, code: str, spec: QuestionSpec) -> int:
        """A new question, which becomes the current one; its id."""

    async def question(self, code: str, qid: int) -> tuple[QuestionSpec, list[Round], bool]:
        """(spec, its rounds' votes, the first first, revealed)."""

    async def questions(self, code: str) -> list[tuple[int, QuestionSpec, list[Round]]]:
        """Every question the room asked, with its rounds: the gradebook's."""

    async def answer(
        self,
        code: str,
        qid: int,
        student: str,
        address: str,
        answer: Answer,
        name: str | None = None,
    ) -> tuple[int, bool]:
        """Keep a student's answer in the question's current round (replacing theirs there), sent
        from ``address`` under the name they gave: (answers now, whether it replaced one). 429 past ``room_posts_per_minute`` of the student's or
        ``room_posts_per_address`` of the address's; a refused answer counts for nothing."""

    async def reveal(self, code: str, qid: int) -> QuestionView:
        """Close the question to answers and show its distribution to everyone; its full view."""

    async def revote(self, code: str, qid: int) -> QuestionView:
        """Open the question's next round (vote again after a discussion): it becomes the current
        question again, with no answers yet; 409 once revealed or after ``MAX_ROUNDS``."""

    async def set_lesson(self, code: str, lesson: dict[str, Any]) -> None:
        """The lesson the room follows (a lesson file's, with its answers); followers get it
        without them (``lesson`` event)."""

    async def lesson(self, code: str) -> dict[str, Any] | None:
        """The room's lesson, with its answers; none: the built-in one."""

    async def close_question(self, code: str, qid: int) -> bool:
        """Take question ``qid`` off every screen (``close`` event) if it is the current one;
        whether it was. 404 for a question never asked."""

    async def share_run(self, code: str, run: SharedRun, address: str) -> int:
        """A student's run sent to the teacher from ``address``; its index in the room's list
        (limited as ``answer`` is)."""

    async def shared_runs(self, code: str) -> list[SharedRun]: ...

    async def close_room(self, code: str) -> None:
        """Its teacher closes it: its stream ends with ``closed``, and it is gone."""

    async def log(self, code: str) -> EventLog:
        """The room's event log, for its stream."""

    async def close(self) -> None:
        """Stop what the store runs (readers, connections) when the server stops."""
