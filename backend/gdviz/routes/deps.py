"""The dependencies routes share, as ``Annotated`` aliases: the settings and the stores (from the
app's state), a job, and a room's code (for anyone, or for its teacher).

They are ``async``: FastAPI runs a plain ``def`` in a worker thread, and that hop costs more than
the work when a whole class connects at once. A job or a room is resolved here, before any
response starts, so an unknown one is a clean 404 — also for a stream.
"""

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..addresses import client_address
from ..rooms import key_matches, normal_code
from ..settings import Settings
from ..store import Stores
from ..store.protocols import JobHandle, JobStore, RoomStore
from ..uploads import UploadStore


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_stores(request: Request) -> Stores:
    stores: Stores = request.app.state.stores
    return stores


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoresDep = Annotated[Stores, Depends(get_stores)]


async def get_client_address(request: Request, settings: SettingsDep) -> str:
    """Who sent the request, as the limits per address count it (``gdviz.addresses``)."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for")
    return client_address(peer, forwarded, settings.trusted_proxies)


ClientAddress = Annotated[str, Depends(get_client_address)]


async def get_jobs(stores: StoresDep) -> JobStore:
    return stores.jobs


async def get_rooms(stores: StoresDep) -> RoomStore:
    return stores.rooms


async def get_uploads(stores: StoresDep) -> UploadStore:
    return stores.uploads


Jobs = Annotated[JobStore, Depends(get_jobs)]
Rooms = Annotated[RoomStore, Depends(get_rooms)]
Uploads = Annotated[UploadStore, Depends(get_uploads)]


async def get_job(job_id: str, jobs: Jobs) -> JobHandle:
    job = await jobs.get(job_id)
    if job is None:
        raise HTTPException(
            404,
            detail=f"no job '{job_id[:40]}': it never existed or was forgotten (finished jobs expire)",
        )
    return job


JobDep = Annotated[JobHandle, Depends(get_job)]

Code = Annotated[str, Path(min_length=1, max_length=16, description="the room's code")]


async def get_code(code: Code, rooms: Rooms) -> str:
    """The room's code, checked to exist."""
    code = normal_code(code)
    await rooms.teacher_digest(code)
    return code


RoomCode = Annotated[str, Depends(get_code)]
bearer = HTTPBearer(auto_error=False, description="the teacher key from POST /api/rooms")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def teacher(code: Code, rooms: Rooms, credentials: Credentials) -> str:
    """The room's code, for its teacher only."""
    code = normal_code(code)
    stored = await rooms.teacher_digest(code)  # 404 first: an unknown room has no teacher
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            detail="teacher only: send Authorization: Bearer <teacher_key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not key_matches(credentials.credentials, stored):
        raise HTTPException(403, detail="the teacher key is wrong for this room")
    return code


TeacherCode = Annotated[str, Depends(teacher)]


# A stream's plain event id, 0 … 10⁹, in decimal digits only: Python's int() would also read
# "1_0" as 10, " 7" or "+7".
LastEventId = Annotated[
    str | None,
    Header(
        pattern=r"^(0|[1-9][0-9]{0,8}|1000000000)$",
        description="resume after this event id (0 … 10⁹)",
    ),
]


def event_id(value: str | None) -> int:
    """The id a stream resumes after (0: from its start)."""
    return 0 if value is None else int(value)
