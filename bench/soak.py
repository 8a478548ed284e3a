"""Soak: a real server under mixed random traffic for minutes — jobs of every kind, uploads, cancels,
surfaces, hostile bodies, classes that open, flood and close rooms — and the probes of issues 17
and 29 first (memory, turns, pacing; wide bodies, made-up students).

Not part of ``make bench`` or CI (it takes ten minutes): ``python bench/soak.py [--minutes 10]``.
Traffic goes only to the server it starts on 127.0.0.1.
"""

import argparse
import contextlib
import json
import random
import statistics
import threading
import time
from pathlib import Path
from tempfile import mkdtemp

import httpx
from httpx_sse import connect_sse

from common import Figure, percentile, print_table
from support import read_events, running_server

# The server's resident memory, whatever the traffic: what the caps allow it to hold — torch and
# the app (~0.5 GB), up to GDVIZ_MAX_JOBS = 200 queued or running jobs holding their data (a 10⁶-point
# job ~16 MB with its model's inputs), the uploads (GDVIZ_UPLOADS_MAX_BYTES = 256 MB), and the
# finished jobs' events (≤ 5,000 steps each) — with room for the allocator's fragmentation.
RSS_BOUND_MB = 2000
HEALTH_P99_MS = 50
FIRST_EPOCH_MS = 250
CLIENTS = 6


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def first_epoch_ms(client: httpx.Client, body: dict | None = None) -> float:
    t0 = time.perf_counter()
    job = client.post("/api/jobs", json=body or {}).json()["id"]
    read_events(client, job, stop_after=2)  # meta, then the first epoch
    return (time.perf_counter() - t0) * 1000


def wait_idle(client: httpx.Client) -> None:
    while (jobs := client.get("/api/health").json()["jobs"])["running"] + jobs["queued"]:
        time.sleep(0.2)


MILLION_BY_ONE = {
    "mode": "minibatch",
    "batch_size": 1,
    "epochs": 5,
    "dataset": {"kind": "synthetic", "n": 1_000_000},
}


# Issue 29's hostile requests, each once in a while from every client: bodies that once held the event
# loop for seconds, bodies and headers no parser likes, sweeps over their cost, a CSV whose header is
# markup. (A 4,300-digit number and 1,000-deep JSON go to /api/jobs: a room's body cap is 4 KB.)
WIDE = json.dumps({"init": {f"{i:x}": 0 for i in range(90_000)}}).encode()  # 0.83 MB
HOSTILE: list[tuple[str, str, dict]] = [
    ("POST", "/api/jobs", {"content": WIDE}),
    ("POST", "/api/jobs", {"json": {"scheduler": {"name": "x" * 10**6}}}),
    ("POST", "/api/jobs", {"json": {"k" * 200_000: 1}}),
    ("POST", "/api/jobs", {"content": b'{"epochs": 1' + b"0" * 4400 + b"}"}),
    ("POST", "/api/jobs", {"content": b"[" * 1000 + b"]" * 1000}),
    ("POST", "/api/jobs", {"content": b'{"mode": "\xff\xfe"}'}),
    ("POST", "/api/jobs", {"json": {"dataset": {"n": 50}, "epochs": 5}}),
    (
        "POST",
        "/api/sweeps",
        {"json": {"config": {"epochs": 4000, "dataset": {"n": 10**6}}, "lrs": [0.01] * 50}},
    ),
    ("GET", "/api/health", {"headers": {"Host": "127.0.0.2"}}),
    ("GET", "/api/jobs/000000000000/events", {"headers": {"Last-Event-ID": "1_0"}}),
    (
        "POST",
        "/api/datasets",
        {
            "files": {
                "file": (
                    "m.csv",
                    b'"<a href=""https://evil.example/x"">CLICK</a>",y\n1,2\n2,3\n3,5\n',
                )
            }
        },
    ),
]
JSON = {"Content-Type": "application/json"}


def probes(client: httpx.Client, pid: int) -> list[Figure]:
    figures = []
    # Six 0.83 MB bodies of 90,000 unknown keys at once: health meanwhile, and their answers.
    answers: list[httpx.Response] = []

    def wide() -> None:
        with httpx.Client(base_url=str(client.base_url), timeout=60) as own:
            answers.append(own.post("/api/jobs", content=WIDE, headers=JSON))

    idle = []  # the same polls before, for the machine's own latency
    for _ in range(20):
        t0 = time.perf_counter()
        client.get("/api/health")
        idle.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.02)
    posts = [threading.Thread(target=wide) for _ in range(6)]
    for post in posts:
        post.start()
    waits = []
    while any(post.is_alive() for post in posts):
        t0 = time.perf_counter()
        client.get("/api/health")
        waits.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.02)
    for post in posts:
        post.join()
    biggest = max(len(r.content) for r in answers)
    figures.append(
        Figure(
            "6 bodies of 90,000 keys at once (0.83 MB each): /api/health meanwhile",
            "≤ 250 ms; small 422s",
            f"max {max(waits, default=0):.0f} ms ({len(waits)} polls; before them: max "
            f"{max(idle):.0f} ms); answers ≤ {biggest} bytes",
            max(waits, default=0) <= 250 and biggest < 2000,
            note="before: health waited 2–7 s (31 s with six), answers of 9.5 MB",
        )
    )
    # 20,000 answers from made-up students to one question, from one address: RSS kept.
    room = client.post("/api/rooms").json()
    key = {"Authorization": f"Bearer {room['teacher_key']}"}
    base = f"/api/rooms/{room['code']}"
    qid = client.post(f"{base}/questions", json={"kind": "point", "prompt": "p"}, headers=key)
    qid = qid.json()["id"]
    before = rss_mb(pid)
    statuses: dict[int, int] = {}
    for i in range(20_000):
        body = {"student": f"made-up-{i}", "w": 1, "b": 2}
        status = client.post(f"{base}/questions/{qid}/answers", json=body).status_code
        statuses[status] = statuses.get(status, 0) + 1
    grown = rss_mb(pid) - before
    client.delete(base, headers=key)
    figures.append(
        Figure(
            "20,000 answers under made-up names to one question, one address",
            "≤ 300 kept; no memory kept",
            f"{statuses}; RSS +{grown:.1f} MB",
            statuses.get(201, 0) <= 300 and grown < 5,
            note="before: 1,000 kept (the question full for the class), +18 MB kept",
        )
    )
    # Uploads: a 100-column header over 200,000 two-cell rows, ten times.
    wide = ",".join(f"c{i}" for i in range(100)).encode() + b"\n"
    wide += b"".join(b"%d,%d\n" % (i, 3 * i) for i in range(200_000))
    before = rss_mb(pid)
    for _ in range(10):
        assert client.post("/api/datasets", files={"file": ("wide.csv", wide)}).status_code == 201
    per_upload = (rss_mb(pid) - before) / 10
    figures.append(
        Figure(
            "memory per upload: 100-column header, 200,000 rows (1.6 MB)",
            "≪ 161 MB",
            f"{per_upload:.1f} MB (RSS over 10 uploads)",
            per_upload < 20,
        )
    )
    # One job with batch size 1 on 10⁶ points: RSS while it runs, and after its cancel.
    before = rss_mb(pid)
    job = client.post("/api/jobs", json=MILLION_BY_ONE).json()["id"]
    peak = before
    for _ in range(30):
        time.sleep(1)
        peak = max(peak, rss_mb(pid))
    client.delete(f"/api/jobs/{job}")
    time.sleep(1)
    after = rss_mb(pid)
    figures.append(
        Figure(
            "memory of a batch-size-1 job on 10⁶ points, 30 s",
            "no growth with steps; freed on cancel",
            f"+{peak - before:.0f} MB running, +{after - before:.0f} MB after cancel",
            peak - before < 150,
        )
    )
    # Turns: a default job while two such jobs hold both workers.
    hogs = [client.post("/api/jobs", json=MILLION_BY_ONE).json()["id"] for _ in range(2)]
    time.sleep(1)
    waits = [first_epoch_ms(client) for _ in range(20)]
    for hog in hogs:
        client.delete(f"/api/jobs/{hog}")
    figures.append(
        Figure(
            "first epoch of a default job, 2 batch-size-1 jobs on 10⁶ points running",
            f"≤ {FIRST_EPOCH_MS} ms",
            f"median {statistics.median(waits):.0f} ms, max {max(waits):.0f} ms (20 jobs)",
            max(waits) <= FIRST_EPOCH_MS,
        )
    )
    # Pacing: two demos at 5000 ms per epoch, then default jobs.
    demos = [client.post("/api/jobs", json={"delay_ms": 5000}).json()["id"] for _ in range(2)]
    time.sleep(0.5)
    took = []
    for _ in range(10):
        t0 = time.perf_counter()
        job = client.post("/api/jobs", json={}).json()["id"]
        read_events(client, job)
        took.append((time.perf_counter() - t0) * 1000)
    for demo in demos:
        client.delete(f"/api/jobs/{demo}")
    figures.append(
        Figure(
            "a default job (100 epochs) to done, 2 demos at delay_ms 5000 running",
            "as without them (~0.2 s)",
            f"median {statistics.median(took):.0f} ms, max {max(took):.0f} ms (10 jobs)",
            max(took) < 1000,
        )
    )
    wait_idle(client)
    return figures


def random_csv(rng: random.Random) -> bytes:
    rows = rng.choice([20, 500, 20_000, 100_000])
    sep = rng.choice([",", ";", "\t"])
    w, b = rng.uniform(-3, 3), rng.uniform(-5, 5)
    lines = [f"x{sep}y{sep}note"]
    for i in range(rows):
        x = rng.uniform(-10, 10)
        y = w * x + b + rng.gauss(0, 1)
        cells = [f"{v:.4f}".replace(".", ",") if sep == ";" else f"{v:.4f}" for v in (x, y)]
        lines.append(f"{cells[0]}{sep}{cells[1]}{sep}r{i}")
    end = rng.choice(["\n", "\r\n", "\r"])
    return end.join(lines).encode()


def random_job(rng: random.Random, uploads: list[str]) -> dict:
    body: dict = {
        "mode": rng.choice(["manual", "sgd", "minibatch", "design", "linear"]),
        "epochs": rng.choice([10, 100, 500, 2000]),
        "lr": rng.choice([0.01, 0.05, 0.1, 0.5]),
        "loss": rng.choice(["mse", "mse", "mae", "huber"]),
        "seed": rng.randrange(10_000),
    }
    if body["mode"] != "manual":
        body["optimizer"] = rng.choice(["sgd", "momentum", "adam", "rmsprop", "adagrad"])
    if rng.random() < 0.2:
        body["granularity"] = "step"
    if rng.random() < 0.1:
        body["delay_ms"] = rng.choice([20, 200, 1000])
    roll = rng.random()
    if roll < 0.3 and uploads:
        body["dataset"] = {"kind": "upload", "id": rng.choice(uploads)}
        body["standardize"] = True
        body["batch_size"] = rng.choice([1, 5, 20])
    elif roll < 0.45:
        body["dataset"] = {"kind": "synthetic", "n": rng.choice([1000, 100_000, 1_000_000])}
        body["batch_size"] = rng.choice([1, 64, 1000])
        body["epochs"] = rng.choice([1, 3])
    elif roll < 0.6:
        body["dataset"] = {"kind": "builtin", "name": rng.choice(["faithful", "cars", "anscombe1"])}
        body["batch_size"] = 5
    else:
        body["batch_size"] = rng.choice([1, 2, 5, 20])
    return body


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []
        self.uploads: list[str] = []
        self.actions: dict[str, int] = {}

    def seen(self, r: httpx.Response, action: str) -> httpx.Response:
        with self.lock:
            self.statuses[r.status_code] = self.statuses.get(r.status_code, 0) + 1
            self.actions[action] = self.actions.get(action, 0) + 1
            if r.status_code >= 500:
                self.errors.append(f"{action}: {r.status_code} {r.text[:200]}")
        return r


def watch(client: httpx.Client, job: str, seconds: float) -> None:
    until = time.monotonic() + seconds
    with connect_sse(client, "GET", f"/api/jobs/{job}/events") as source:
        for sse in source.iter_sse():
            if sse.event == "done" or time.monotonic() > until:
                return


def client_loop(url: str, seed: int, until: float, tally: Tally) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=60) as client:
        while time.monotonic() < until:
            roll = rng.random()
            try:
                if roll < 0.1:
                    r = tally.seen(
                        client.post("/api/datasets", files={"file": ("r.csv", random_csv(rng))}),
                        "upload",
                    )
                    if r.status_code == 201:
                        with tally.lock:
                            tally.uploads = [*tally.uploads[-20:], r.json()["id"]]
                elif roll < 0.15:  # hostile: too big, wrong types, another origin
                    tally.seen(
                        client.post("/api/jobs", content=b"[" + b"1," * 100_000 + b"1]"), "hostile"
                    )
                    tally.seen(client.post("/api/jobs", json={"lr": True}), "hostile")
                    tally.seen(
                        client.post(
                            "/api/jobs", json={}, headers={"Origin": "http://evil.example"}
                        ),
                        "hostile",
                    )
                    method, path, kwargs = rng.choice(HOSTILE)
                    if "content" in kwargs:
                        kwargs = {**kwargs, "headers": JSON}
                    tally.seen(client.request(method, path, **kwargs), "hostile")
                elif roll < 0.2:  # a class: a room, a question, answers (some made up), closed
                    classroom(client, rng, tally)
                else:
                    r = tally.seen(
                        client.post("/api/jobs", json=random_job(rng, tally.uploads)), "create"
                    )
                    if r.status_code != 201:
                        time.sleep(0.2)
                        continue
                    job = r.json()["id"]
                    what = rng.random()
                    if what < 0.3:  # watch it, for at most 5 s
                        watch(client, job, seconds=5)
                    elif what < 0.5:
                        time.sleep(rng.uniform(0, 1))
                        tally.seen(client.delete(f"/api/jobs/{job}"), "cancel")
                    elif what < 0.65:
                        res = rng.choice([20, 80, 200])
                        tally.seen(
                            client.get(f"/api/jobs/{job}/surface", params={"resolution": res}),
                            "surface",
                        )
                    elif what < 0.75:
                        tally.seen(client.get(f"/api/jobs/{job}/code"), "code")
                    else:
                        tally.seen(client.get(f"/api/jobs/{job}"), "read")
                    if rng.random() < 0.3:
                        tally.seen(client.delete(f"/api/jobs/{job}"), "cancel")
            except httpx.HTTPError as exc:
                with tally.lock:
                    tally.errors.append(f"transport: {exc!r}")


def classroom(client: httpx.Client, rng: random.Random, tally: Tally) -> None:
    """A room opened (or refused: five per address), a question, a class's answers and a flood of
    made-up ones (refused past the address's limit), a sweep left by its client, then closed."""
    made = tally.seen(client.post("/api/rooms"), "room")
    if made.status_code != 201:
        return
    room = made.json()
    key = {"Authorization": f"Bearer {room['teacher_key']}"}
    base = f"/api/rooms/{room['code']}"
    asked = client.post(
        f"{base}/questions",
        json={"kind": "choice", "prompt": "p", "choices": ["a", "b"]},
        headers=key,
    )
    qid = tally.seen(asked, "room").json()["id"]
    for i in range(rng.choice([30, 400])):
        body = {"student": f"s{rng.randrange(10**9)}", "choice": i % 2}
        tally.seen(client.post(f"{base}/questions/{qid}/answers", json=body), "answer")
    tally.seen(client.post(f"{base}/questions/{qid}/reveal", headers=key), "room")
    if rng.random() < 0.3:  # a sweep whose client leaves after a second
        config = {"mode": "minibatch", "batch_size": 20, "epochs": 200, "dataset": {"n": 10_000}}
        with contextlib.suppress(httpx.ReadTimeout):
            client.post("/api/sweeps", json={"config": config, "lrs": [0.01]}, timeout=1.0)
    tally.seen(client.delete(base, headers=key), "room")


def soak(url: str, pid: int, seconds: float) -> list[Figure]:
    tally = Tally()
    until = time.monotonic() + seconds
    clients = [
        threading.Thread(target=client_loop, args=(url, seed, until, tally))
        for seed in range(CLIENTS)
    ]
    for c in clients:
        c.start()
    health, rss = [], []
    minutes: dict[int, float] = {}  # the largest RSS of each minute: a plateau or growth
    began = time.monotonic()
    with httpx.Client(base_url=url, timeout=30) as poller:
        while time.monotonic() < until:
            t0 = time.perf_counter()
            assert poller.get("/api/health").status_code == 200
            health.append((time.perf_counter() - t0) * 1000)
            rss.append(rss_mb(pid))
            minute = int((time.monotonic() - began) // 60)
            minutes[minute] = max(minutes.get(minute, 0.0), rss[-1])
            time.sleep(0.1)
    for c in clients:
        c.join()
    fives = sum(n for status, n in tally.statuses.items() if status >= 500)
    p99 = percentile(health, 99)
    total = sum(tally.statuses.values())
    mix = ", ".join(f"{k} {v}" for k, v in sorted(tally.actions.items()))
    return [
        Figure(
            f"soak {seconds / 60:.1f} min, {CLIENTS} random clients: 5xx answers",
            "0",
            f"{fives} of {total} ({mix})",
            fives == 0 and not tally.errors,
            note="; ".join(tally.errors[:5]),
        ),
        Figure(
            "soak: server RSS",
            f"≤ {RSS_BOUND_MB} MB",
            f"max {max(rss):.0f} MB, last {rss[-1]:.0f} MB, first {rss[0]:.0f} MB; "
            f"each minute's max: {', '.join(f'{v:.0f}' for v in minutes.values())}",
            max(rss) <= RSS_BOUND_MB,
        ),
        Figure(
            "soak: /api/health p99",
            f"≤ {HEALTH_P99_MS} ms",
            f"{p99:.1f} ms (median {statistics.median(health):.1f}, max {max(health):.0f}, "
            f"{len(health)} polls)",
            p99 <= HEALTH_P99_MS,
        ),
        Figure(
            "soak: statuses",
            "4xx only for bad input",
            ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items())),
            True,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    log = Path(mkdtemp(prefix="gdviz-soak-")) / "server.log"
    with running_server(log) as server:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            figures = probes(client, server.process.pid)
        figures += soak(server.url, server.process.pid, args.minutes * 60)
        if "Traceback" in server.log():
            figures.append(Figure("server log", "no traceback", "traceback in log", False))
    print_table(figures)


if __name__ == "__main__":
    main()
