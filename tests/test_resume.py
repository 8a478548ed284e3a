"""Dropping a stream mid-way and resuming with Last-Event-ID loses and repeats nothing, and the
server takes the dropped connections without a traceback."""

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from support import Server, read_events, running_server

EPOCHS = 60


@pytest.fixture(scope="module", params=["memory", "redis"])
def own_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server of its own in memory; on Redis, the shared one (its log is checked the same way)."""
    if request.param == "redis":
        yield request.getfixturevalue("redis_server")
        return
    with running_server(tmp_path_factory.mktemp("resume") / "server.log") as server:
        yield server


def drop_raw(url: str, job_id: str, after: int, nbytes: int) -> bytes:
    """Read a few bytes of the stream over a bare socket, then reset the connection (RST, no FIN)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        s.sendall(
            f"GET /api/jobs/{job_id}/events HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Accept: text/event-stream\r\nLast-Event-ID: {after}\r\n\r\n".encode()
        )
        data = s.recv(nbytes)
        s.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
        )  # abort on close
    return data


def test_disconnects_and_resumes_lose_and_repeat_nothing(own_server):
    with httpx.Client(base_url=own_server.url, timeout=30) as client:
        r = client.post("/api/jobs", json={"mode": "minibatch", "epochs": EPOCHS, "delay_ms": 10})
        job_id = r.json()["id"]
        pieces, last = [], None
        for size in (5, 1, 13, 7):  # four drops, each resumed from the last id received
            piece = read_events(client, job_id, last_event_id=last, stop_after=size)
            assert len(piece) == size
            pieces += piece
            last = piece[-1][0]
            assert b"200 OK" in drop_raw(own_server.url, job_id, after=last, nbytes=64)
        pieces += read_events(client, job_id, last_event_id=last)
        whole = read_events(client, job_id)
    ids = [i for i, _, _ in pieces]
    assert ids == list(range(1, EPOCHS + 3)), "lost or repeated events"
    assert pieces == whole
    assert whole[-1][1] == "done" and whole[-1][2]["status"] == "completed"


def test_resume_after_the_end_gets_nothing_more(own_server):
    with httpx.Client(
        base_url=own_server.url, timeout=10
    ) as client:  # a stream left open would time out
        job_id = client.post("/api/jobs", json={"epochs": 5}).json()["id"]
        whole = read_events(client, job_id)
        assert read_events(client, job_id, last_event_id=whole[-1][0]) == []
        assert read_events(client, job_id, last_event_id=whole[-1][0] + 100) == []
        assert read_events(client, job_id, last_event_id=0) == whole
        assert read_events(client, job_id, last_event_id=3) == whole[3:]


def test_the_server_log_has_no_traceback(own_server):
    with httpx.Client(base_url=own_server.url, timeout=30) as client:
        assert client.get("/api/health").status_code == 200
    log = own_server.log()
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
