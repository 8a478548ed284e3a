"""The wheel: built from this checkout, installed into a fresh venv, serving the page, Plotly and the data sets.

The venv takes its dependencies from this test's own environment (a .pth file puts its
site-packages after the venv's own), so the wheel installs in seconds rather than a minute of
unpacking torch; `make` resolves the same dependencies from pyproject.toml, and the Dockerfile
installs them from scratch.
"""

import json
import os
import re
import signal
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from support import free_port

ROOT = Path(__file__).parents[1]


def run(*cmd: str, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_the_wheel_installs_into_a_fresh_venv_and_serves(tmp_path):
    run(
        sys.executable,
        "-m",
        "hatchling",
        "build",
        "-t",
        "wheel",
        "-d",
        str(tmp_path / "dist"),
        cwd=ROOT,
    )
    (wheel,) = (tmp_path / "dist").glob("gdviz-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    catalog = json.loads((ROOT / "backend/gdviz/datasets/catalog.json").read_text())
    for entry in catalog:
        assert f"gdviz/datasets/{entry['file']}" in names
    for path in (ROOT / "frontend").rglob("*"):
        if path.is_file():
            assert f"gdviz/frontend/{path.relative_to(ROOT / 'frontend').as_posix()}" in names
    assert not any(n.startswith(("tests/", "gdviz/tests/")) for n in names)

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", str(venv))
    (site,) = (venv / "lib").glob("python3*/site-packages")
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run(str(venv / "bin/pip"), "install", "-q", "--no-deps", str(wheel), env=env, timeout=600)
    where = run(
        str(venv / "bin/python"),
        "-c",
        "import gdviz.app as a; print(a.frontend_dir())",
        cwd=tmp_path,
        env=env,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), (
        "the page must come from the installed package"
    )

    trained = run(
        str(venv / "bin/gdviz"), "train", "--epochs", "5", "--no-progress", cwd=tmp_path, env=env
    )
    assert re.search(r"final \(5 epochs\)", trained.stdout)

    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin/gdviz"), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{url}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, server.stdout.read()
                time.sleep(0.2)
        assert health.status_code == 200 and health.json()["status"] == "ok"

        page = httpx.get(f"{url}/")
        assert page.status_code == 200 and "<title>gdviz" in page.text
        assets = re.findall(r'(?:src|href)="(/(?:static|vendor)/[^"]+)"', page.text)
        assert "/vendor/plotly.min.js" in assets and any(
            a.endswith(".js") and a.startswith("/static/") for a in assets
        )
        for asset in assets:
            r = httpx.get(f"{url}{asset}")
            assert r.status_code == 200 and r.content, asset
        plotly = httpx.get(f"{url}/vendor/plotly.min.js")
        assert len(plotly.content) > 1_000_000 and b"plotly" in plotly.content[:1000].lower()

        builtin = {d["name"] for d in httpx.get(f"{url}/api/datasets").json()["builtin"]}
        assert builtin == {entry["name"] for entry in catalog}
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(20)
