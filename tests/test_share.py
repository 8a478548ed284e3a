import segno  # noqa: F401  (the QR code is made on the server)


def test_share_gives_a_follow_link_and_a_qr_code(client, server_url):
    job_id = client.post("/api/jobs", json={"epochs": 5}).json()["id"]
    r = client.get(f"/api/jobs/{job_id}/share")
    assert r.status_code == 200
    share = r.json()
    assert share["url"] == f"{server_url}/?job={job_id}"  # bound to 127.0.0.1: the same origin
    assert share["qr_svg"].startswith("<svg") and "path" in share["qr_svg"]
    assert client.get("/api/jobs/unknown/share").status_code == 404


def test_public_url_setting_is_the_base_of_share_links():
    from fastapi.testclient import TestClient

    from gdviz.app import create_app
    from gdviz.settings import Settings

    with TestClient(create_app(Settings(public_url="http://class.example:8000/"))) as client:
        job_id = client.post("/api/jobs", json={"epochs": 2}).json()["id"]
        assert client.get(f"/api/jobs/{job_id}/share").json()["url"] == f"http://class.example:8000/?job={job_id}"
