"""One stream for several jobs (``GET /api/streams``): its ids, and the stream over a real server
on both backends (in memory, on Redis)."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import httpx
import pytest

from gdviz.multiplex import MAX_JOBS, StreamError, format_positions, parse_jobs, parse_positions
from support import SHARED, Server, read_events, read_streams, running_server

A, B = "3f2a9c1d0b7e", "9c1d0b7e3f2a"


def create(client: httpx.Client, **config) -> str:
    r = client.post("/api/jobs", json=config)
    assert r.status_code == 201, r.text
    return r.json()["id"]


# --- the stream's ids


def test_positions_round_trip_and_default_to_the_start():
    assert parse_positions(format_positions({A: 13, B: 40}), [A, B], "after") == {A: 13, B: 40}
    assert parse_positions(f"{B}=7", [A, B], "after") == {A: 0, B: 7}
    assert parse_positions("", [A, B], "after") == {A: 0, B: 0}


@pytest.mark.parametrize(
    ("text", "msg"),
    [
        ("7", "is not job=position"),  # a job's own id: which job?
        (f"{A}=", "is not job=position"),
        (f"{A}=-1", "is not job=position"),
        (f"{A}=+1", "is not job=position"),
        (f"{A}=01", "is not job=position"),
        (f"{A}= 1", "is not job=position"),
        (f"{A}=1.", "is not job=position"),
        (f"{A}=1,{B}=2", "is not job=position"),
        (f"{A}=1e3", "is not job=position"),
        (f"{A}=1000000001", "at most 1000000000"),
        (f"{A}=99999999999", "is not job=position"),
        (f"{A}=1.{A}=2", "given twice"),
        ("0123456789ab=1", "not one of this stream's jobs"),
    ],
)
def test_positions_are_parsed_strictly(text, msg):
    with pytest.raises(StreamError, match=msg) as err:
        parse_positions(text, [A, B], "last-event-id")
    assert err.value.field == "last-event-id"


@pytest.mark.parametrize(
    ("text", "msg"),
    [
        ("", "separated by single commas"),
        (f"{A},", "separated by single commas"),
        (f"{A},,{B}", "separated by single commas"),
        (f"{A},{A}", "listed twice"),
        (",".join(f"{i:012x}" for i in range(MAX_JOBS + 1)), f"at most {MAX_JOBS} jobs"),
    ],
)
def test_job_lists_are_parsed_strictly(text, msg):
    with pytest.raises(StreamError, match=msg):
        parse_jobs(text)
    assert parse_jobs(f"{A},{B}") == [A, B]


# --- the stream, over a real server


@pytest.fixture(scope="module")
def log_mark(any_server: Server) -> int:
    """Where the server's log stood before this module's first stream."""
    return len(any_server.log())


@pytest.fixture
def client(any_server: Server, log_mark: int) -> Iterator[httpx.Client]:
    """On both backends: in memory, and on Redis."""
    with httpx.Client(base_url=any_server.url, timeout=30) as client:
        yield client


def test_jobs_interleave_each_in_order_exactly_once_as_on_their_own_streams(client):
    configs = [
        {"mode": "minibatch", "epochs": 40, "delay_ms": 5},
        {"mode": "linear", "epochs": 30, "delay_ms": 5, "granularity": "step"},
        {"mode": "manual", "epochs": 50, "delay_ms": 5},
    ]
    ids = [create(client, **config) for config in configs]
    stream = read_streams(client, ids)
    for job_id in ids:
        mine = stream.of(job_id)
        assert [i for i, _, _ in mine] == list(range(1, len(mine) + 1)), "lost or repeated"
        assert mine[-1][1] == "done" and mine[-1][2]["status"] == "completed"
        assert mine == read_events(client, job_id), "not the job's own stream"
    order = [job for job, *_ in stream.events]
    switches = sum(a != b for a, b in pairwise(order))
    assert switches > len(ids), "the jobs came one after another, not interleaved"
    assert stream.last_id == ".".join(f"{j}={len(stream.of(j))}" for j in ids)


def test_last_event_id_resumes_every_job_where_it_was(client):
    ids = [create(client, mode=mode, epochs=60, delay_ms=3) for mode in ("sgd", "design")]
    pieces, last = [], None
    for size in (4, 9, 25):  # three drops, each resumed from the last id received
        piece = read_streams(client, ids, last_event_id=last, stop_after=size)
        assert len(piece.events) >= size and piece.last_id
        pieces += piece.events
        last = piece.last_id
    pieces += read_streams(client, ids, last_event_id=last).events
    whole = read_streams(client, ids)
    for job_id in ids:
        mine = [e[1:] for e in pieces if e[0] == job_id]
        assert [i for i, _, _ in mine] == list(range(1, 63)), "lost or repeated events"
        assert mine == whole.of(job_id)


def test_a_room_joins_the_stream_and_resumes_with_it(client):
    room = client.post("/api/rooms").json()
    teacher = {"Authorization": f"Bearer {room['teacher_key']}"}
    job = create(client, epochs=20, delay_ms=5)
    player = {"epoch": 3, "playing": True, "speed": 2}
    assert client.put(f"/api/rooms/{room['code']}/player", json=player, headers=teacher).is_success
    first = read_streams(client, [job], room=room["code"], stop_after=3)
    snapshot = first.of("room")[0]
    assert snapshot[1] == "room" and snapshot[2]["player"]["epoch"] == 3
    assert f"room={snapshot[0]}" in first.last_id
    moved = {**player, "epoch": 9}
    assert client.put(f"/api/rooms/{room['code']}/player", json=moved, headers=teacher).is_success
    left = 22 - len(first.of(job)) + 1  # the job's events to its done, and the player's move
    rest = read_streams(
        client, [job], room=room["code"], last_event_id=first.last_id, stop_after=left
    )
    assert [(e, d["epoch"]) for _, e, d in rest.of("room")] == [("player", 9)]  # no snapshot
    mine = first.of(job) + rest.of(job)
    assert [i for i, _, _ in mine] == list(range(1, 23)), "lost or repeated events"
    assert mine == read_events(client, job)


def test_a_stream_of_an_unknown_room_is_a_clean_404(client):
    answer = client.get("/api/streams", params={"room": "NOROOM"})
    assert answer.status_code == 404, answer.text


def test_a_resume_id_may_name_any_positions_and_the_header_wins_over_the_query(client):
    a = create(client, epochs=8)
    b = create(client, epochs=5)
    whole = read_streams(client, [a, b])
    resumed = read_streams(client, [a, b], last_event_id=f"{b}=3", after=f"{a}=9.{b}=6")
    assert resumed.of(a) == whole.of(a)  # not named: from the start
    assert resumed.of(b) == whole.of(b)[3:]
    rest = read_streams(client, [a, b], after=f"{a}=9")
    assert rest.of(a) == whole.of(a)[9:] and rest.of(b) == whole.of(b)
    ended = read_streams(client, [a, b], last_event_id=whole.last_id)  # both at done
    assert ended.events == [] and ended.last_id is None


def test_a_cancelled_job_ends_while_the_others_go_on(client):
    slow = create(client, epochs=5000, delay_ms=20)
    quick = create(client, epochs=30, delay_ms=5)
    with ThreadPoolExecutor(1) as pool:
        watching = pool.submit(read_streams, client, [slow, quick])
        read_events(client, slow, stop_after=3)
        client.delete(f"/api/jobs/{slow}")
        stream = watching.result(timeout=30)
    assert stream.of(slow)[-1][2]["status"] == "cancelled"
    assert stream.of(quick)[-1][2]["status"] == "completed"
    assert len(stream.of(quick)) == 32


def test_two_watchers_of_the_same_jobs_see_identical_events(client):
    ids = [create(client, mode="design", epochs=50, delay_ms=2) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        one, two = pool.map(lambda _: read_streams(client, ids), range(2))
    assert sorted(one.events) == sorted(two.events)
    assert one.last_id == two.last_id


@pytest.mark.parametrize(
    ("query", "headers", "status", "loc"),
    [
        ("", {}, 422, ["query", "jobs"]),
        ("jobs=", {}, 422, ["query", "jobs"]),
        ("jobs={a},,{a}", {}, 422, ["query", "jobs"]),
        ("jobs={a},{a}", {}, 422, ["query", "jobs"]),
        ("jobs=" + ",".join(["{a}"] * (MAX_JOBS + 1)), {}, 422, ["query", "jobs"]),
        ("jobs={a}&after=7", {}, 422, ["query", "after"]),
        ("jobs={a}&after={a}=-1", {}, 422, ["query", "after"]),
        ("jobs={a}", {"Last-Event-ID": "7"}, 422, ["header", "last-event-id"]),
        ("jobs={a}", {"Last-Event-ID": "{a}=1.ffffffffffff=2"}, 422, ["header", "last-event-id"]),
        ("jobs={a}", {"Last-Event-ID": "{a}=" + "9" * 11}, 422, ["header", "last-event-id"]),
        ("jobs={a}&after={a}=1", {"Last-Event-ID": "nope"}, 422, ["header", "last-event-id"]),
    ],
)
def test_bad_queries_are_a_4xx_naming_the_field(client, query, headers, status, loc):
    a = create(client, epochs=2)
    r = client.get(
        f"/api/streams?{query.format(a=a)}",
        headers={k: v.format(a=a) for k, v in headers.items()},
    )
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["detail"][0]["loc"] == loc


def test_an_unknown_job_is_a_404_naming_it(client):
    a = create(client, epochs=2)
    r = client.get(f"/api/streams?jobs={a},ffffffffffff")
    assert r.status_code == 404
    detail = r.json()["detail"]
    assert "jobs" in detail and "'ffffffffffff'" in detail


@pytest.fixture(scope="module")
def second_process(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Server]:
    """Another ``gdviz serve`` on the session's Redis, beside ``redis_server``."""
    log_path = tmp_path_factory.mktemp("second") / "server.log"
    with running_server(log_path, env={**SHARED, "GDVIZ_REDIS_URL": redis_url}) as server:
        yield server


def test_any_process_resumes_a_stream_begun_on_another(redis_server, second_process):
    """What lets a load balancer send each reconnect anywhere: no sticky sessions."""
    processes = [redis_server, second_process]
    clients = [httpx.Client(base_url=p.url, timeout=30) for p in processes]
    try:
        ids = [
            create(clients[i % 2], mode=m, epochs=60, delay_ms=5)
            for i, m in enumerate(("sgd", "linear"))
        ]
        pieces, last = [], None
        for turn, size in enumerate((3, 10, 30, 60)):  # each piece on the other process
            piece = read_streams(clients[turn % 2], ids, last_event_id=last, stop_after=size)
            pieces += piece.events
            last = piece.last_id
        pieces += read_streams(clients[0], ids, last_event_id=last).events
        whole = read_streams(clients[1], ids)
    finally:
        for client in clients:
            client.close()
    for job_id in ids:
        mine = [e[1:] for e in pieces if e[0] == job_id]
        assert [i for i, _, _ in mine] == list(range(1, 63)), "lost or repeated events"
        assert mine == whole.of(job_id)


def test_dropped_and_refused_streams_leave_no_traceback(any_server, log_mark):
    log = any_server.log()[log_mark:]
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
