"""``gdviz train`` against the lesson's own loop and the API's messages; ``gdviz serve`` start and stop."""

import csv
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import torch

import seed_loops
from gdviz.cli import build_parser, main
from gdviz.config import JobConfig
from support import free_port, running_redis, running_server

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
def test_train_equals_the_seeds_minibatch_loop(tmp_path):
    out = tmp_path / "history.csv"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "gdviz",
            "train",
            "--mode",
            "minibatch",
            "--epochs",
            "30",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(out.open()))
    seed = seed_loops.minibatch(epochs=30)
    assert len(rows) == len(seed) == 30
    for row, (loss, w, b) in zip(rows, seed, strict=True):
        assert float(row["loss"]) == pytest.approx(loss, rel=1e-5, abs=1e-6)
        assert (float(row["w"]), float(row["b"])) == pytest.approx((w, b), rel=1e-5, abs=1e-6)

    final = re.search(r"final \(30 epochs\): loss (\S+)\s+w (\S+)\s+b (\S+)", run.stdout)
    assert final, run.stdout
    assert [float(v) for v in final.groups()] == pytest.approx(
        [seed[-1][0], seed[-1][1], seed[-1][2]], rel=1e-5
    )
    X, Y = seed_loops.seed_data()
    b_ls, w_ls = torch.linalg.lstsq(
        torch.cat([torch.ones_like(X), X], 1).double(), Y.double()
    ).solution.view(-1)
    ls = re.search(r"least squares:\s+loss \S+\s+w (\S+)\s+b (\S+)", run.stdout)
    assert [float(v) for v in ls.groups()] == pytest.approx([float(w_ls), float(b_ls)], rel=1e-5)


BAD_INPUTS = [
    (["--lr", "0"], {"lr": 0}),
    (["--epochs", "20001"], {"epochs": 20001}),
    (["--mode", "minibatch", "--batch-size", "21"], {"mode": "minibatch", "batch_size": 21}),
    (["--mode", "manual", "--optimizer", "adam"], {"mode": "manual", "optimizer": "adam"}),
    (["--dataset", "nope"], {"dataset": {"kind": "builtin", "name": "nope"}}),
    (["--init-w", "1"], {"init": {"w": 1}}),
]


@pytest.mark.parametrize("argv, body", BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_train_rejects_bad_input_with_the_apis_message(argv, body, client, capsys):
    assert main(["train", *argv]) == 2
    err = capsys.readouterr().err
    r = client.post("/api/jobs", json=body)
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert (
        f"gdviz train: {'.'.join(map(str, detail['loc'][1:]))}: {detail['msg']}" in err.splitlines()
    )


def test_train_reports_divergence_with_exit_code_3(tmp_path, capsys):
    out = tmp_path / "history.json"
    assert main(["train", "--lr", "50", "--epochs", "200", "--no-progress", "--out", str(out)]) == 3
    err = capsys.readouterr().err
    epoch = int(
        re.search(r"gdviz train: diverged: loss became (?:infinite|NaN) at epoch (\d+)", err).group(
            1
        )
    )
    saved = json.loads(out.read_text())
    assert saved["done"]["status"] == "diverged" and saved["done"]["diverged_at"] == epoch
    assert [r["epoch"] for r in saved["history"]] == list(range(1, epoch))
    assert abs(saved["history"][-1]["loss"]) > 1e6  # it was blowing up, not a fluke


def test_train_reads_a_csv_and_reaches_least_squares(tmp_path, capsys):
    data = tmp_path / "heights.csv"
    data.write_text("name,x,y\na,1,3.1\nb,2,4.9\nc,3,7.2\nd,,9\ne,4,8.8\n")
    assert (
        main(
            [
                "train",
                "--dataset",
                str(data),
                "--x",
                "x",
                "--y",
                "y",
                "--lr",
                "0.05",
                "--epochs",
                "3000",
                "--no-progress",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    final = [float(v) for v in re.search(r"final .*w (\S+)\s+b (\S+)", out).groups()]
    x, y = torch.tensor([1, 2, 3, 4.0]), torch.tensor([3.1, 4.9, 7.2, 8.8])
    w = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    assert final == pytest.approx([float(w), float(y.mean() - w * x.mean())], abs=1e-3)
    assert "n = 4" in out  # the row with a missing x was dropped


def test_every_option_is_in_the_cli_doc():
    readme = (ROOT / "docs" / "cli.md").read_text()
    commands = build_parser()._subparsers._group_actions[0].choices
    for name, parser in commands.items():
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert re.search(rf"{re.escape(option)}\b", readme), (
                        f"gdviz {name} {option} is not in docs/cli.md"
                    )


@pytest.mark.server
def test_serve_prints_urls_and_opens_the_browser(tmp_path):
    opened = tmp_path / "opened"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gdviz",
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
            "--open",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "BROWSER": str(browser)},
    )
    try:
        lines = [process.stdout.readline() for _ in range(2)]
        assert lines[0].strip() == f"gdviz: serving on http://127.0.0.1:{port}/"
        assert re.fullmatch(
            rf"gdviz: students on the same network open http://[\d.]+:{port}/", lines[1].strip()
        )
        deadline = time.monotonic() + 30
        while not (opened.exists() and opened.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)  # the shell makes the file before echo writes to it
        assert opened.read_text().strip() == f"http://127.0.0.1:{port}/"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)  # a busy machine may still be warming torch up


@pytest.mark.server
def test_ctrl_c_stops_serve_at_once_even_with_an_open_stream(tmp_path):
    with running_server(tmp_path / "server.log") as server:
        job = httpx.post(f"{server.url}/api/jobs", json={"epochs": 2000, "delay_ms": 100}).json()
        received = threading.Event()

        def watch():
            try:
                with httpx.stream("GET", f"{server.url}{job['links']['events']}", timeout=30) as r:
                    for _ in r.iter_lines():
                        received.set()
            except httpx.TransportError:  # the server went away mid-stream, as it should
                pass

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        assert received.wait(20)
        t0 = time.monotonic()
        server.process.send_signal(signal.SIGINT)
        code = server.process.wait(10)
        took = time.monotonic() - t0
        watcher.join(5)
    assert code == 0
    assert took < 5, f"Ctrl-C took {took:.1f} s"
    assert "Traceback" not in server.log()


def train_options() -> dict[str, str]:
    parser = build_parser()._subparsers._group_actions[0].choices["train"]
    return {a.dest: a.help for a in parser._actions}


def test_train_options_are_the_job_configs_fields_with_their_bounds():
    options = train_options()
    for name, info in JobConfig.model_fields.items():
        if name in ("init", "dataset", "granularity", "delay_ms"):  # nested, or for the stream only
            continue
        assert info.description in options[name], name
    assert options["lr"].startswith("learning rate; 0 < lr ≤ 100 (default 0.1)")
    assert "1 ≤ epochs ≤ 20,000" in options["epochs"]
    assert "manual | sgd | minibatch | design | linear" in options["mode"]
    assert options["x_step"].startswith("synthetic: spacing of x")


def test_momentum_is_offered_only_to_the_optimizers_that_read_it():
    options = train_options()
    assert "read by momentum, nesterov (" in options["momentum"]
    assert "rmsprop" not in options["momentum"]  # torch's RMSprop is built without it
    assert "read by rmsprop" in options["alpha"]


def test_an_object_field_is_given_as_json(capsys):
    scheduler = '{"name": "StepLR", "step_size": 1, "gamma": 0.5}'
    argv = ["train", "--optimizer", "momentum", "--epochs", "3", "--no-progress"]
    assert main([*argv, "--scheduler", scheduler]) == 0
    assert "final (3 epochs)" in capsys.readouterr().out
    assert main([*argv, "--scheduler", '{"name": "StepLR"}']) == 2
    assert "scheduler.StepLR.step_size: Field required" in capsys.readouterr().err


@pytest.mark.slow  # gdviz serve, three times
def test_serve_refuses_a_redis_it_cannot_use_in_one_line(redis_url):
    """What no retry mends is refused before serving: one line naming it, exit code 2 — not a
    traceback after "serving on", nor 500s, nor retries forever as if Redis were down."""
    base = redis_url.rsplit("/", 1)[0]
    with running_redis(args=("--requirepass", "secret")) as locked:
        cases = [
            (base.replace("redis://", "http://") + "/0", "--redis", "schemes"),
            ("redis://127.0.0.1:99999/0", "--redis", "Port out of range"),
            (f"{base}/99", "--redis", "DB index is out of range"),
            (f"{base}/x", "--redis", "must be a number"),
            (locked.replace("redis://", "redis://:wrong@"), "--redis", "password"),
            (locked, "GDVIZ_REDIS_URL", "needs a password"),
        ]
        for url, source, words in cases:
            as_env = source == "GDVIZ_REDIS_URL"
            run = subprocess.run(
                [sys.executable, "-m", "gdviz", "serve", "--port", str(free_port())]
                + ([] if as_env else ["--redis", url]),
                env={**os.environ, **({"GDVIZ_REDIS_URL": url} if as_env else {})},
                capture_output=True,
                text=True,
                timeout=60,
            )
            lines = (run.stdout + run.stderr).strip().splitlines()
            assert run.returncode == 2, (url, lines)
            assert len(lines) == 1 and source in lines[0] and words in lines[0], (url, lines)
            assert "wrong@" not in lines[0] and "secret" not in lines[0]  # no password shown


def test_serve_refuses_a_lessons_folder_that_is_none(tmp_path, capsys):
    assert main(["serve", "--lessons", str(tmp_path / "none")]) == 2
    assert (
        capsys.readouterr().err.strip()
        == f"gdviz serve: --lessons: {str(tmp_path / 'none')!r} is not a folder"
    )


def test_train_takes_the_model_and_prints_its_parameters(tmp_path, capsys):
    out = tmp_path / "history.csv"
    argv = ["train", "--model", "logistic", "--labels", "--noise", "2", "--epochs", "5"]
    assert main([*argv, "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "logistic · sgd · sgd · bce" in printed and "minimum (bce):" in printed
    assert (
        main(
            [
                "train",
                "--degree",
                "3",
                "--lr",
                "0.002",
                "--epochs",
                "4",
                "--no-progress",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert re.search(
        r"final \(4 epochs\): loss \S+\s+b0 \S+\s+b1 \S+\s+b2 \S+\s+b3 \S+", capsys.readouterr().out
    )
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 4 and {"b0", "b3", "grad_b3", "lr"} <= set(rows[0])
    assert main(["train", "--model", "logistic", "--no-progress"]) == 2
    assert "dataset.labels: logistic regression needs y in {0, 1}" in capsys.readouterr().err
