"""Host, Origin, body size and 405s, over a real server (bound to 127.0.0.1)."""

import threading
import time

import httpx

from gdviz.guards import allowed_hosts, machine_names
from gdviz.settings import Settings

CSV = b"x,y\n1,2\n2,4\n3,7\n"


def test_a_loopback_server_answers_only_loopback_host_names(client, server_url):
    port = httpx.URL(server_url).port
    for host in ("evil.example", f"evil.example:{port}", "192.168.1.20"):
        r = client.get("/api/health", headers={"Host": host})
        assert r.status_code == 400 and "host" in r.json()["detail"], r.text
    for host in ("127.evil.example", f"127.0.0.1.evil.example:{port}"):
        assert client.get("/api/health", headers={"Host": host}).status_code == 400
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "LOCALHOST", f"127.0.0.2:{port}"):
        assert client.get("/api/health", headers={"Host": host}).status_code == 200


def test_a_server_on_all_interfaces_answers_its_own_names_or_those_it_was_told():
    anywhere = allowed_hosts(Settings(host="0.0.0.0"))
    assert anywhere is not None and machine_names() <= anywhere and "localhost" in anywhere
    assert "evil.example" not in anywhere
    told = allowed_hosts(Settings(host="0.0.0.0", allowed_hosts="gdviz.school, 10.0.0.5"))
    assert {"gdviz.school", "10.0.0.5", "localhost"} <= told and "evil.example" not in told
    public = allowed_hosts(Settings(host="0.0.0.0", public_url="http://192.168.1.20:8000"))
    assert "192.168.1.20" in public
    assert allowed_hosts(Settings(host="0.0.0.0", allowed_hosts="*")) is None


def test_another_origin_cannot_change_anything(client, server_url):
    foreign = {"Origin": "http://evil.example"}
    job = client.post("/api/jobs", json={"epochs": 2}).json()["id"]  # no Origin: a script
    refused = [
        client.post("/api/jobs", json={}, headers=foreign),
        client.post("/api/datasets", files={"file": ("a.csv", CSV)}, headers=foreign),
        client.delete(f"/api/jobs/{job}", headers={"Origin": "null"}),
        client.put(f"/api/jobs/{job}", headers=foreign),
    ]
    for r in refused:
        assert r.status_code == 403 and "origin" in r.json()["detail"], r.text
    same = {"Origin": server_url}
    assert client.post("/api/jobs", json={}, headers=same).status_code == 201
    assert (
        client.post("/api/datasets", files={"file": ("a.csv", CSV)}, headers=same).status_code
        == 201
    )
    assert client.get("/api/health", headers=foreign).status_code == 200  # reading is not changing


def test_a_50mb_body_is_refused_at_once_and_health_stays_quick(client, server_url):
    body = b'{"epochs": [' + b"1, " * (50 * 1024 * 1024 // 3) + b"1]}"
    answers: dict[str, httpx.Response] = {}

    def post(name: str, content) -> None:
        with httpx.Client(base_url=server_url, timeout=60) as other:
            answers[name] = other.post(
                "/api/jobs", content=content, headers={"Content-Type": "application/json"}
            )

    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))  # no Content-Length
    posts = [
        threading.Thread(target=post, args=("sized", body)),
        threading.Thread(target=post, args=("chunked", chunks)),
    ]
    t0 = time.monotonic()
    for p in posts:
        p.start()
    health = []
    while any(p.is_alive() for p in posts):
        t = time.monotonic()
        assert client.get("/api/health").status_code == 200
        health.append(time.monotonic() - t)
        time.sleep(0.02)
    for p in posts:
        p.join()
    assert time.monotonic() - t0 < 10
    assert max(health, default=0) < 1.0, health
    for r in answers.values():
        assert r.status_code == 413 and "bytes" in r.json()["detail"][0]["msg"], r.text[:200]


WIDE_BODIES = {
    "90,000 keys": {"init": {f"{i:x}": 0 for i in range(90_000)}},  # 0.83 MB
    "a 10⁶-character name": {"scheduler": {"name": "x" * 10**6}},
    "a 200,000-character key": {"k" * 200_000: 1},
    "10,000 wrong points": {"dataset": {"kind": "points", "x": ["a"] * 10_000, "y": [1, 2]}},
}


def test_a_wide_body_freezes_nothing(client, server_url):
    """Six bodies that once cost seconds of the event loop each: answered at once, small."""
    answers: list[httpx.Response] = []

    def post(body: dict) -> None:
        with httpx.Client(base_url=server_url, timeout=60) as other:
            answers.append(other.post("/api/jobs", json=body))

    bodies = [*WIDE_BODIES.values(), WIDE_BODIES["90,000 keys"], WIDE_BODIES["90,000 keys"]]
    posts = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for p in posts:
        p.start()
    health = []
    while any(p.is_alive() for p in posts):
        t = time.monotonic()
        assert client.get("/api/health").status_code == 200
        health.append(time.monotonic() - t)
        time.sleep(0.02)
    for p in posts:
        p.join()
    assert max(health, default=0) < 1.0, health
    for r in answers:
        assert r.status_code == 422 and len(r.content) < 2000, (len(r.content), r.text[:300])
        for error in r.json()["detail"]:
            assert all(len(str(part)) < 120 for part in error["loc"]), error["loc"]
            assert all(len(str(v)) < 120 for v in error.get("ctx", {}).values()), error


def test_an_error_echoes_only_an_excerpt_of_a_big_input(client):
    r = client.post("/api/jobs", json={"epochs": [1] * 20_000})  # 60 KB, under the cap
    assert r.status_code == 422 and len(r.content) < 2000, len(r.content)
    assert "epochs" in r.json()["detail"][0]["loc"]


def test_an_upload_over_the_limit_is_a_413_naming_the_file(client):
    r = client.post("/api/datasets", files={"file": ("big.csv", b"x,y\n" + b"1,2\n" * 1_400_000)})
    assert r.status_code == 413 and r.json()["detail"][0]["loc"] == ["body", "file"], r.text


def test_405_lists_every_method_of_the_path(client):
    job = client.post("/api/jobs", json={"epochs": 2}).json()["id"]
    r = client.put(f"/api/jobs/{job}")
    assert r.status_code == 405
    assert set(r.headers["allow"].split(", ")) == {"GET", "DELETE", "PATCH"}
    assert client.request("HEAD", f"/api/jobs/{job}").status_code == 405  # so not listed
    r = client.delete("/api/jobs")
    assert r.status_code == 405 and r.headers["allow"] == "POST"


def test_a_malformed_form_is_a_400_declared_in_the_openapi(client):
    r = client.post(
        "/api/datasets",
        content=b"--x\r\nbroken header\r\n\r\nx,y\r\n--x--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 400, r.text
    paths = client.get("/openapi.json").json()["paths"]
    assert "400" in paths["/api/datasets"]["post"]["responses"]
    assert "400" in paths["/api/jobs"]["post"]["responses"]
