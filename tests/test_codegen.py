"""GET /api/jobs/{id}/code: each job's script, run with plain python, prints the job's stream."""

import ast
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from httpx_sse import connect_sse

from gdviz import models
from gdviz.codegen import MAX_INLINE_POINTS, PHASES, generate
from gdviz.config import JobConfig
from gdviz.store.memory.uploads import MemoryUploads
from gdviz.train import Training, make_rng
from gdviz.uploads import parse_csv
from support import run_scripts

DEFAULTS = {mode: {"mode": mode} for mode in ("manual", "sgd", "minibatch", "design", "linear")}
PEOPLE = {
    "kind": "upload",
    "x": "height cm",
    "y": "weight",
}  # the upload's id is added once uploaded
VARIANTS = {
    "momentum": {"mode": "sgd", "optimizer": "momentum", "lr": 0.05},
    "adam-batch4": {"mode": "minibatch", "optimizer": "adam", "batch_size": 4, "beta1": 0.8},
    "rmsprop-synthetic-knobs": {
        "mode": "linear",
        "optimizer": "rmsprop",
        "alpha": 0.9,
        "lr": 0.01,
        "dataset": {
            "kind": "synthetic",
            "x_start": 0,
            "x_stop": 10,
            "n": 50,
            "true_w": -1.5,
            "true_b": 3,
            "noise": 0.5,
        },
    },
    "adagrad-init": {
        "mode": "design",
        "optimizer": "adagrad",
        "lr": 0.5,
        "init": {"w": 0.25, "b": -3.0},
    },
    "nesterov-huber": {
        "mode": "minibatch",
        "optimizer": "nesterov",
        "momentum": 0.5,
        "loss": "huber",
        "huber_delta": 0.5,
    },
    "mae-noiseless": {
        "mode": "sgd",
        "loss": "mae",
        "seed": 7,
        "lr": 0.02,
        "epochs": 60,
        "dataset": {"kind": "synthetic", "x_step": 0.5, "noise": 0},
    },
    "manual-init-standardized": {
        "mode": "manual",
        "init": {"w": 5.0, "b": 5.0},
        "lr": 0.05,
        "standardize": True,
        "dataset": {"kind": "synthetic", "true_w": 40, "true_b": 100, "noise": 3},
    },
    "linear-init-no-shuffle": {
        "mode": "linear",
        "init": {"w": -1.0, "b": 0.5},
        "shuffle": False,
        "batch_size": 3,
    },
    "builtin-standardized": {
        "mode": "design",
        "standardize": True,
        "epochs": 20,
        "dataset": {"kind": "builtin", "name": "faithful"},
    },
    "builtin-raw": {
        "mode": "manual",
        "lr": 0.0001,
        "epochs": 40,
        "dataset": {"kind": "builtin", "name": "cars"},
    },
    "step-granularity": {"mode": "minibatch", "granularity": "step", "epochs": 30},
    "batch1-seed": {"mode": "minibatch", "batch_size": 1, "seed": 12345, "epochs": 10},
    "full-batch-huber": {"mode": "design", "batch_size": 20, "loss": "huber", "lr": 0.3},
    "upload": {"mode": "minibatch", "batch_size": 7, "lr": 1e-5, "dataset": PEOPLE},
    "upload-standardized": {
        "mode": "linear",
        "standardize": True,
        "optimizer": "momentum",
        "dataset": PEOPLE,
    },
    "upload-beyond-inline-cap": {
        "mode": "sgd",
        "standardize": True,
        "epochs": 20,
        "dataset": PEOPLE,
    },
    "logistic-manual": {
        "model": {"kind": "logistic"},
        "mode": "manual",
        "lr": 0.5,
        "dataset": {"kind": "synthetic", "labels": True, "noise": 2},
    },
    "logistic-minibatch-mse-standardized": {
        "model": {"kind": "logistic"},
        "mode": "minibatch",
        "loss": "mse",
        "standardize": True,
        "dataset": {"kind": "synthetic", "labels": True, "curve": "sine"},
    },
    "logistic-builtin-adam": {
        "model": {"kind": "logistic"},
        "mode": "linear",
        "optimizer": "adam",
        "batch_size": 500,
        "epochs": 10,
        "standardize": True,
        "dataset": {"kind": "builtin", "name": "default"},
    },
    "poly-manual-sine": {
        "model": {"kind": "poly", "degree": 3},
        "mode": "manual",
        "lr": 0.003,
        "dataset": {"kind": "synthetic", "curve": "sine"},
    },
    "poly-design-init-rmse": {
        "model": {"kind": "poly", "degree": 2},
        "mode": "design",
        "loss": "rmse",
        "lr": 0.02,
        "init_params": [0.5, -1.0, 2.0],
        "dataset": {"kind": "synthetic", "curve": "parabola"},
    },
    "poly6-standardized-sgd": {
        "model": {"kind": "poly", "degree": 6},
        "mode": "sgd",
        "lr": 4e-5,
        "standardize": True,
        "epochs": 30,
        "dataset": {"kind": "builtin", "name": "boston"},
    },
    "poly-minibatch-euclidean-momentum": {
        "model": {"kind": "poly", "degree": 4},
        "mode": "minibatch",
        "optimizer": "momentum",
        "loss": "euclidean",
        "lr": 0.001,
        "standardize": True,
    },
    "line-sse": {"mode": "sgd", "loss": "sse", "lr": 0.005},
    "mlp-sgd-adam-sine": {
        "model": {"kind": "mlp", "hidden": [8], "activation": "tanh"},
        "mode": "sgd",
        "optimizer": "adam",
        "lr": 0.02,
        "epochs": 40,
        "dataset": {"kind": "synthetic", "curve": "sine", "n": 50, "x_start": -3, "x_stop": 3},
    },
    "mlp-minibatch-relu-standardized": {
        "model": {"kind": "mlp", "hidden": [6, 4], "activation": "relu"},
        "mode": "minibatch",
        "optimizer": "momentum",
        "lr": 0.01,
        "epochs": 30,
        "standardize": True,
    },
    "mlp-manual-bce": {
        "model": {"kind": "mlp", "hidden": [5]},
        "mode": "manual",
        "loss": "bce",
        "lr": 0.5,
        "epochs": 30,
        "standardize": True,
        "dataset": {"kind": "synthetic", "labels": True, "noise": 2.0},
    },
}
CONFIGS = {**DEFAULTS, **VARIANTS}


def people_csv(rows: int, seed: int) -> str:
    """A semicolon CSV with an id column and some blank or non-numeric weights (dropped by the job)."""
    rnd = random.Random(seed)
    lines = ["id;height cm;weight"]
    for i in range(rows):
        weight = "" if i % 9 == 0 else "n/a" if i % 13 == 0 else f"{rnd.gauss(70, 8):.2f}"
        lines.append(f"{i};{rnd.gauss(170, 9):.1f};{weight}")
    return "\n".join(lines) + "\n"


def upload(client: httpx.Client, text: str) -> str:
    r = client.post("/api/datasets", files={"file": ("people.csv", text.encode(), "text/csv")})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def epoch_events(client: httpx.Client, job_id: str) -> list[dict]:
    with connect_sse(client, "GET", f"/api/jobs/{job_id}/events") as source:
        events = [(sse.event, json.loads(sse.data)) for sse in source.iter_sse() if sse.data]
    assert events[-1][0] == "done" and events[-1][1]["status"] == "completed", (job_id, events[-1])
    return [data for event, data in events if event == "epoch"]


def run_script(script: str, path: Path, args: list[str]) -> subprocess.CompletedProcess:
    return run_scripts([(script, path, args)])[0]


@dataclass
class Run:
    stream: list[dict]  # the job's epoch events
    script: str
    result: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def runs(server_url: str) -> Iterator[dict[str, Run]]:
    # not tmp_path: concurrent pytest sessions prune each other's basetemp
    with tempfile.TemporaryDirectory(prefix="gdviz-codegen-") as folder:
        yield run_all(server_url, Path(folder))


def run_all(server_url: str, folder: Path) -> dict[str, Run]:
    """Every config's job and script, the scripts run in parallel."""
    big_csv = folder / "people-big.csv"
    big_csv.write_text(people_csv(MAX_INLINE_POINTS * 4 // 3, seed=2))  # about 5,700 rows kept
    with httpx.Client(base_url=server_url, timeout=60) as client:
        small_id = upload(client, people_csv(120, seed=1))
        big_id = upload(client, big_csv.read_text())
        jobs = {}
        for name, config in CONFIGS.items():
            if config.get("dataset", {}).get("kind") == "upload":
                big = name == "upload-beyond-inline-cap"
                config = {
                    **config,
                    "dataset": {**config["dataset"], "id": big_id if big else small_id},
                }
            r = client.post("/api/jobs", json=config)
            assert r.status_code == 201, (name, r.text)
            jobs[name] = r.json()["id"]
        scripts = {}
        for name, job_id in jobs.items():
            r = client.get(f"/api/jobs/{job_id}/code")
            assert r.status_code == 200, (name, r.text)
            scripts[name] = r.text
        streams = {
            name: epoch_events(client, job_id) for name, job_id in jobs.items()
        }  # waits for the jobs
    names = list(scripts)
    results = run_scripts(
        [
            (scripts[name], folder / f"{name}.py", [str(big_csv)] if "beyond" in name else [])
            for name in names
        ]
    )
    return {
        name: Run(streams[name], scripts[name], result)
        for name, result in zip(names, results, strict=True)
    }


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


@pytest.mark.parametrize("name", list(CONFIGS))
def test_script_prints_the_jobs_epoch_events(runs, name):
    stream, run = runs[name].stream, runs[name].result
    assert run.returncode == 0, run.stderr
    header, *rows = run.stdout.splitlines()
    model = CONFIGS[name].get("model", {"kind": "line"})
    names = list(models.definition(JobConfig.model_validate({"model": model}).model).names)
    assert header == ",".join(["epoch", "loss", *names])
    assert len(rows) == len(stream) == CONFIGS[name].get("epochs", 100)
    for row, event in zip(rows, stream, strict=True):
        epoch, loss, *params = row.split(",")
        assert int(epoch) == event["epoch"]
        expected = [("loss", loss, event["loss"])]
        expected += [(k, got, v) for k, got, v in zip(names, params, event["params"], strict=True)]
        for key, got, value in expected:
            assert close(float(got), value), f"epoch {epoch} {key}: script {got}, job {value}"


def test_scripts_import_only_torch_and_the_standard_library(runs):
    for name in CONFIGS:
        tree = ast.parse(runs[name].script)
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module.split(".")[0])
        assert imported - set(sys.stdlib_module_names) == {"torch"}, (name, imported)


def test_beyond_the_inline_cap_the_script_asks_for_the_csv(runs):
    script = runs["upload-beyond-inline-cap"].script
    assert "torch.tensor([" not in script
    with tempfile.TemporaryDirectory() as folder:
        run = run_script(script, Path(folder) / "big.py", [])
    assert run.returncode != 0 and "usage:" in run.stderr and "people.csv" in run.stderr
    small = runs["upload"].script
    assert "torch.tensor([" in small and "rows with a missing or non-numeric cell left out" in small


@pytest.mark.slow
def test_a_script_outlives_its_upload():
    """Standardized, after the upload expired: inline z-scores, or (beyond the cap) the CSV z-scored."""
    jobs = {}
    for mode, rows in (("design", 60), ("sgd", MAX_INLINE_POINTS * 4 // 3)):
        text = people_csv(rows, seed=3)
        table = parse_csv(text.encode(), "people.csv", 10**6)
        uploads = MemoryUploads()
        uploads.add(table)
        dataset = {"kind": "upload", "id": table.id, "x": "height cm", "y": "weight"}
        config = JobConfig(mode=mode, standardize=True, epochs=10, dataset=dataset)
        rng = make_rng(config.seed)
        trained = models.load(config, rng, uploads)
        history = [record for kind, record in Training(config, trained, rng) if kind == "epoch"]
        jobs[mode] = (text, config, trained, history)
    gone = MemoryUploads()  # every upload gone
    scripts = {
        mode: generate("expired", config, trained, uploads=gone).script
        for mode, (_, config, trained, _) in jobs.items()
    }
    assert "already z-scored" in scripts["design"] and "X, Y = z(X), z(Y)" not in scripts["design"]
    assert "read_csv(sys.argv[1]" in scripts["sgd"] and "X, Y = z(X), z(Y)" in scripts["sgd"]
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "people.csv").write_text(jobs["sgd"][0])
        args = {"design": [], "sgd": ["people.csv"]}
        runs = run_scripts([(scripts[m], Path(folder) / f"{m}.py", args[m]) for m in jobs])
        for mode, run in zip(jobs, runs, strict=True):
            history = jobs[mode][3]
            assert run.returncode == 0, run.stderr
            rows = [[float(v) for v in line.split(",")] for line in run.stdout.splitlines()[1:]]
            assert len(rows) == len(history) == 10
            for row, event in zip(rows, history, strict=True):
                keys = ((1, "loss"), (2, "w"), (3, "b"))
                assert all(close(row[i], event[key]) for i, key in keys), (mode, row, event)


def test_plain_get_is_a_python_file_named_for_the_job(client):
    job_id = client.post("/api/jobs", json={"mode": "design", "epochs": 3}).json()["id"]
    r = client.get(f"/api/jobs/{job_id}/code")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/x-python")
    assert r.headers["content-disposition"] == f'inline; filename="gdviz_design_{job_id}.py"'
    compile(r.text, "script.py", "exec")


# the statement each phase must hold, per mode
PHASE_CODE = {
    "manual": {
        "forward": "Yhat = forward(X)",
        "loss": "loss = criterion(Yhat, Y)",
        "backward": "loss.backward()",
        "step": "w.data = w.data - lr * w.grad.data",
        "zero_grad": "w.grad = None",
    },
    "linear": {
        "forward": "yhat = model(xx)",
        "loss": "LOSS_sum = LOSS_sum +",
        "backward": "loss.backward()",
        "step": "my_optimizer.step()",
        "zero_grad": "my_optimizer.zero_grad()",
    },
}


@pytest.mark.parametrize("mode", list(PHASE_CODE))
def test_json_format_names_the_lines_of_each_phase(client, mode):
    job_id = client.post("/api/jobs", json={"mode": mode, "epochs": 2}).json()["id"]
    r = client.get(f"/api/jobs/{job_id}/code", params={"format": "json"})
    assert r.status_code == 200
    body = r.json()
    assert body["filename"] == f"gdviz_{mode}_{job_id}.py"
    assert body["script"] == client.get(f"/api/jobs/{job_id}/code").text
    lines = body["script"].split("\n")
    assert list(body["phases"]) == list(PHASES)
    seen = set()
    for phase, numbers in body["phases"].items():
        text = [lines[i - 1].strip() for i in numbers]
        assert text[0].startswith(f"# {phase}:"), text
        assert any(t.startswith(PHASE_CODE[mode][phase]) for t in text[1:]), (phase, text)
        assert all(t and (t.startswith("#") or "print" not in t) for t in text)
        assert not seen & set(numbers)
        seen |= set(numbers)


def test_code_errors(client):
    assert client.get("/api/jobs/nope/code").status_code == 404
    job_id = client.post("/api/jobs", json={"epochs": 1}).json()["id"]
    r = client.get(f"/api/jobs/{job_id}/code", params={"format": "ipynb"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "format"]


def test_the_minibatch_script_says_the_bias_is_added_once():
    script = generate(
        "bias", JobConfig(mode="minibatch"), models.load(JobConfig(), make_rng(0))
    ).script
    assert "model(xx) + beta0" in script and "adding it twice" in script


@pytest.mark.slow
def test_a_script_standardizes_an_upload_in_float64_as_the_job_does(tmp_path):
    rnd = random.Random(7)
    rows = "".join(f"{1_700_000_000 + 60 * i},{0.5 * i + rnd.gauss(0, 2)!r}\n" for i in range(100))
    table = parse_csv(f"time,reading\n{rows}".encode(), "log.csv", 1000)
    uploads = MemoryUploads()
    uploads.add(table)
    config = JobConfig(
        mode="sgd", standardize=True, epochs=10, dataset={"kind": "upload", "id": table.id}
    )
    rng = make_rng(config.seed)
    trained = models.load(config, rng, uploads)
    history = [record for kind, record in Training(config, trained, rng) if kind == "epoch"]
    run = run_script(
        generate("ts", config, trained, uploads=uploads).script, tmp_path / "ts.py", []
    )
    assert run.returncode == 0, run.stderr
    rows_out = [[float(v) for v in line.split(",")] for line in run.stdout.splitlines()[1:]]
    for row, event in zip(rows_out, history, strict=True):
        assert all(close(a, event[k]) for a, k in zip(row[1:4], ("loss", "w", "b"), strict=True)), (
            row,
            event,
        )
