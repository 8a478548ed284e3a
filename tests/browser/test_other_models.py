"""A followed run of another model plays: a page that follows a logistic or polynomial run (its
settings from the job's config) loads it, plays it to the end and reports no error."""

import httpx
import pytest
from conftest import App
from playwright.sync_api import Page

RUNS = {
    "logistic": {
        "model": {"kind": "logistic"},
        "dataset": {"kind": "synthetic", "labels": True, "noise": 2},
        "epochs": 30,
    },
    "separable": {
        "model": {"kind": "logistic"},
        "dataset": {"kind": "synthetic", "labels": True, "noise": 0},
        "epochs": 30,
    },
    "poly": {"model": {"kind": "poly", "degree": 3}, "lr": 0.002, "epochs": 30},
}


@pytest.mark.parametrize("name", list(RUNS))
def test_a_followed_run_of_another_model_plays_without_an_error(
    app: App, page: Page, server_url: str, name: str
) -> None:
    job_id = httpx.post(f"{server_url}/api/jobs", json=RUNS[name]).json()["id"]
    page.goto(f"{server_url}/?job={job_id}")
    app.finished()
    assert app.data("epoch") == "30"
