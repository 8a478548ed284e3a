"""The exports say what they hold: the CSV's settings lines and file names (export.js)."""

import csv
import io
import re

from conftest import App
from playwright.sync_api import Page


def download(page: Page, selector: str) -> tuple[str, str]:
    with page.expect_download() as dl:
        page.click(selector)
    return dl.value.suggested_filename, open(dl.value.path(), encoding="utf-8").read()


def test_the_loss_history_csv_states_the_runs_settings_and_its_name_says_what_it_is(
    app: App, page: Page
) -> None:
    app.open("mode=minibatch&optimizer=adam&lr=0.05&loss=huber&seed=7&epochs=12&speed=live")
    app.finished()
    name, text = download(page, "#export-csv")
    assert name == "gdviz_loss-history_minibatch-adam_lr0.05_huber_seed7_synthetic.csv"
    comments = [ln for ln in text.splitlines() if ln.startswith("#")]
    assert comments[0].startswith("# gdviz loss history")
    run = comments[1]
    for part in (
        "mode=minibatch",
        "optimizer=adam",
        "lr=0.05",
        "loss=huber",
        "seed=7",
        "epochs=12",
    ):
        assert part in run, (part, run)
    assert "data=synthetic y = 2·x − 1 + 1·ε, x = arange(-3, 3, 0.3)" in run
    rows = list(
        csv.DictReader(
            io.StringIO("\n".join(ln for ln in text.splitlines() if not ln.startswith("#")))
        )
    )
    assert len(rows) == 12 and rows[-1]["epoch"] == "12"


def test_a_race_csv_lists_every_runs_settings(app: App, page: Page) -> None:
    app.open("epochs=5&speed=live&cmp=lr:0.1,lr:0.01")
    app.finished()
    name, text = download(page, "#export-csv")
    assert name == "gdviz_loss-history_race-2-runs.csv"
    runs = [ln for ln in text.splitlines() if ln.startswith("# run ")]
    assert len(runs) == 2 and "lr=0.1;" in runs[0] and "lr=0.01;" in runs[1]


def test_the_data_points_export_as_csv(app: App, page: Page) -> None:
    app.open("data=builtin&builtin=cars&epochs=3&speed=live&standardize=0")
    app.finished()
    name, text = download(page, "#export-points")
    assert name.startswith("gdviz_data_") and name.endswith("_seed2021_cars.csv")
    lines = text.splitlines()
    assert "data=builtin cars" in lines[1]
    assert (
        lines[2].startswith("# 50 points")
        and "x: speed (mph), y: stopping distance (ft)" in lines[2]
    )
    rows = list(csv.reader(lines[3:]))
    assert rows[0] == ["x", "y"] and len(rows) == 51
    meta_x = page.evaluate("document.getElementById('chart-fit').data[0].x")
    assert [float(r[0]) for r in rows[1:]] == meta_x


def test_the_data_csv_writes_the_float32_values_as_they_read(app: App, page: Page) -> None:
    app.open("epochs=3&speed=live")
    app.finished()
    _, text = download(page, "#export-points")
    lines = text.splitlines()
    assert "y = 2·x − 1 + 1·ε" in lines[1]
    rows = list(csv.reader(lines[3:]))[1:]
    assert [r[0] for r in rows[:4]] == ["-3", "-2.7", "-2.4", "-2.1"]  # not -2.700000047683716
    digits = [re.sub(r"e.*$|[-.]", "", v).lstrip("0") for r in rows for v in r]
    assert all(len(d) <= 9 for d in digits), rows  # float32 needs 9 significant digits at most
