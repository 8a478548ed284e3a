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
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from gdviz.app import create_app
    from gdviz.settings import Settings

    async def share_url() -> tuple[str, str]:
        app = create_app(Settings(public_url="http://class.example:8000/"))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://localhost"
        ) as client:
            job_id = (await client.post("/api/jobs", json={"epochs": 2})).json()["id"]
            return job_id, (await client.get(f"/api/jobs/{job_id}/share")).json()["url"]

    with ThreadPoolExecutor(1) as thread:  # its own event loop, whatever else this process runs
        job_id, url = thread.submit(asyncio.run, share_url()).result()
    assert url == f"http://class.example:8000/?job={job_id}"
