"""Bad input, table-driven, over the real server: every case is a 4xx naming the field, never a 500."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import Server


@pytest.fixture
def client(any_server: Server) -> Iterator[httpx.Client]:
    """On both backends: in memory, and on Redis."""
    with httpx.Client(base_url=any_server.url, timeout=30) as client:
        yield client


OK_CSV = b"height,weight,name\n1,2,a\n2,4,b\n3,5,c\n4,9,d\n"


def names_field(response: httpx.Response, field: str) -> bool:
    """``field`` appears in some ``detail[*].loc`` or in the error message."""
    detail = response.json()["detail"]
    if isinstance(detail, str):
        return field in detail
    return any(
        field in [str(part) for part in d.get("loc", [])] or field in d.get("msg", "")
        for d in detail
    )


def check(response: httpx.Response, field: str, status: int | None = None) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if status is not None:
        assert response.status_code == status, response.text
    assert names_field(response, field), response.text


JOB_CASES = [
    # (body, field) — every config field past its bounds or of the wrong type
    ({"mode": "newton"}, "mode"),
    ({"optimizer": "lbfgs"}, "optimizer"),
    ({"momentum": 1.0, "optimizer": "momentum"}, "momentum"),
    ({"momentum": -0.1}, "momentum"),
    ({"beta1": 1.0}, "beta1"),
    ({"beta2": -0.5}, "beta2"),
    ({"alpha": 0}, "alpha"),
    ({"alpha": 1}, "alpha"),
    ({"loss": "hinge"}, "loss"),
    ({"huber_delta": 0}, "huber_delta"),
    ({"huber_delta": 1e7}, "huber_delta"),
    ({"lr": 0}, "lr"),
    ({"lr": -1}, "lr"),
    ({"lr": 100.5}, "lr"),
    ({"lr": "fast"}, "lr"),
    ({"epochs": 0}, "epochs"),
    ({"epochs": 20_001}, "epochs"),
    ({"epochs": 1.5}, "epochs"),
    ({"epochs": "ten"}, "epochs"),
    ({"batch_size": 0, "mode": "minibatch"}, "batch_size"),
    ({"batch_size": 2_000_000}, "batch_size"),
    ({"shuffle": [1]}, "shuffle"),
    ({"seed": -1}, "seed"),
    ({"seed": 2**53}, "seed"),
    ({"init": {"w": 1.0}}, "b"),
    ({"init": {"w": 2e6, "b": 0}}, "w"),
    ({"init": {"w": 0, "b": 0, "c": 1}}, "c"),
    ({"init": 3}, "init"),
    ({"granularity": "batch"}, "granularity"),
    ({"delay_ms": -1}, "delay_ms"),
    ({"delay_ms": 5001}, "delay_ms"),
    ({"standardize": {"yes": True}}, "standardize"),
    ({"learning_rate": 0.1}, "learning_rate"),  # unknown field
    ({"dataset": {"kind": "imagenet"}}, "dataset"),
    ({"dataset": {"kind": "synthetic", "x_step": 0}}, "x_step"),
    ({"dataset": {"kind": "synthetic", "x_step": 1e-9}}, "x_step"),
    ({"dataset": {"kind": "synthetic", "x_start": 3, "x_stop": -3}}, "x_stop"),
    ({"dataset": {"kind": "synthetic", "n": 1}}, "n"),
    ({"dataset": {"kind": "synthetic", "n": 1_000_001}}, "n"),
    ({"dataset": {"kind": "synthetic", "noise": -1}}, "noise"),
    ({"dataset": {"kind": "synthetic", "true_w": 1e9}}, "true_w"),
    ({"dataset": {"kind": "builtin", "name": "no-such-set"}}, "name"),
    ({"dataset": {"kind": "builtin", "name": "x" * 65}}, "name"),
    ({"dataset": {"kind": "upload", "id": "000000000000"}}, "id"),
    ({"mode": "manual", "optimizer": "adam"}, "optimizer"),
    ({"mode": "minibatch", "batch_size": 21}, "batch_size"),  # the lesson's data has n = 20
    ({"mode": "linear", "batch_size": 21}, "batch_size"),
    ({"optimizer": "nesterov", "momentum": 0}, "momentum"),
    # inline points
    ({"dataset": {"kind": "points", "x": [1], "y": [1]}}, "x"),
    ({"dataset": {"kind": "points", "x": [1, 2, 3], "y": [1, 2]}}, "y"),
    ({"dataset": {"kind": "points", "x": [1, "a"], "y": [1, 2]}}, "x"),
    ({"dataset": {"kind": "points", "x": [1, 2], "y": [1, None]}}, "y"),
    ({"dataset": {"kind": "points", "x": [1e300, -1e300, 5], "y": [1, 2, 3]}}, "x"),
    ({"dataset": {"kind": "points", "x": list(range(10_001)), "y": list(range(10_001))}}, "x"),
    ({"dataset": {"kind": "points", "x": [2, 2, 2], "y": [1, 2, 3]}}, "dataset"),
    ({"dataset": {"kind": "points", "y": [1, 2]}}, "x"),
    # schedulers
    ({"scheduler": {"name": "CyclicLR"}}, "scheduler"),
    ({"scheduler": {"name": "StepLR"}}, "step_size"),
    ({"scheduler": {"name": "StepLR", "step_size": 0}}, "step_size"),
    ({"scheduler": {"name": "ExponentialLR", "gamma": 0}}, "gamma"),
    ({"scheduler": {"name": "CosineAnnealingLR", "T_max": 0}}, "T_max"),
    ({"scheduler": {"name": "LinearLR", "start_factor": 0}}, "start_factor"),
    ({"scheduler": {"name": "OneCycleLR"}}, "max_lr"),
    ({"scheduler": {"name": "OneCycleLR", "max_lr": 1, "pct_start": 1}}, "pct_start"),
    ({"scheduler": {"name": "OneCycleLR", "max_lr": 1, "cycle_momentum": True}}, "cycle_momentum"),
    ({"scheduler": {"name": "ReduceLROnPlateau", "factor": 1}}, "factor"),
    ({"scheduler": {"name": "StepLR", "step_size": 2, "verbose": True}}, "verbose"),
    ({"mode": "manual", "scheduler": {"name": "StepLR", "step_size": 2}}, "scheduler"),
    ({"trace_state": "yes please"}, "trace_state"),
    # models, their losses, starts and data
    ({"model": {"kind": "cnn"}}, "model"),
    ({"model": {"kind": "mlp", "hidden": [0]}}, "hidden"),
    ({"model": {"kind": "mlp", "hidden": [65]}}, "hidden"),
    ({"model": {"kind": "mlp", "hidden": [4, 4, 4, 4]}}, "hidden"),
    ({"model": {"kind": "mlp", "activation": "sigmoid"}}, "activation"),
    ({"model": {"kind": "mlp"}, "mode": "design"}, "mode"),
    ({"model": "logistic"}, "model"),
    ({"model": {"kind": "poly", "degree": 1}}, "degree"),
    ({"model": {"kind": "poly", "degree": 10}}, "degree"),
    ({"model": {"kind": "poly", "degree": 2.5}}, "degree"),
    ({"model": {"kind": "logistic", "degree": 2}}, "degree"),
    ({"model": {"kind": "line", "hidden": [3]}}, "hidden"),
    ({"loss": "bce"}, "loss"),  # the line has no logits
    ({"model": {"kind": "poly"}, "loss": "bce"}, "loss"),
    (
        {
            "model": {"kind": "logistic"},
            "loss": "mae",
            "dataset": {"kind": "synthetic", "labels": True},
        },
        "loss",
    ),
    (
        {
            "model": {"kind": "logistic"},
            "loss": "sse",
            "dataset": {"kind": "synthetic", "labels": True},
        },
        "loss",
    ),
    ({"loss": "rmse2"}, "loss"),
    ({"model": {"kind": "logistic"}}, "labels"),  # the lesson's y is not 0/1
    ({"model": {"kind": "logistic"}, "dataset": {"kind": "builtin", "name": "cars"}}, "name"),
    (
        {
            "model": {"kind": "logistic"},
            "dataset": {"kind": "points", "x": [1, 2, 3], "y": [0, 1, 2]},
        },
        "y",
    ),
    (
        {
            "model": {"kind": "poly", "degree": 9},
            "dataset": {"kind": "points", "x": [1e6, 2, 3], "y": [0, 1, 2]},
        },
        "degree",
    ),
    ({"model": {"kind": "poly"}, "init": {"w": 1, "b": 2}}, "init"),
    ({"model": {"kind": "poly"}, "init_params": [1, 2]}, "init_params"),
    ({"init_params": [1, 2, 3]}, "init_params"),
    ({"init_params": [1]}, "init_params"),
    ({"init_params": list(range(11))}, "init_params"),
    ({"init_params": [1, 2e6]}, "init_params"),
    ({"init_params": [1, "a"]}, "init_params"),
    ({"init_params": [1, 2], "init": {"w": 1, "b": 2}}, "init_params"),
    ({"dataset": {"kind": "synthetic", "curve": "cubic"}}, "curve"),
    ({"dataset": {"kind": "synthetic", "labels": "yes"}}, "labels"),
]


@pytest.mark.parametrize(
    ("body", "field"), JOB_CASES, ids=[f"{f}-{i}" for i, (_, f) in enumerate(JOB_CASES)]
)
def test_bad_job_config_is_a_422_naming_the_field(client, body, field):
    check(client.post("/api/jobs", json=body), field, 422)


UPLOAD_NOT_01 = b"x,y\n1,0\n2,1\n3,0.5\n4,1\n"


def test_logistic_regression_on_an_upload_needs_a_0_1_column(client):
    upload = client.post("/api/datasets", files={"file": ("p.csv", UPLOAD_NOT_01, "text/csv")})
    dataset = {"kind": "upload", "id": upload.json()["id"]}
    body = {"model": {"kind": "logistic"}, "dataset": dataset}
    check(client.post("/api/jobs", json=body), "y", 422)
    labels = b"x,y\n1,0\n2,1\n3,0\n4,1\n"
    upload = client.post("/api/datasets", files={"file": ("q.csv", labels, "text/csv")})
    body["dataset"] = {"kind": "upload", "id": upload.json()["id"]}
    assert client.post("/api/jobs", json=body).status_code == 201


REASONS = [
    ({"dataset": {"kind": "synthetic", "x_start": 3, "x_stop": -3}}, "xOrder", {"x_start": 3}),
    ({"mode": "minibatch", "batch_size": 21}, "batchOverN", {"n": 20}),
    ({"optimizer": "nesterov", "momentum": 0}, "nesterovMomentum", {}),
    ({"mode": "manual", "optimizer": "adam"}, "optimizerMode", {"optimizer": "adam"}),
    ({"dataset": {"kind": "points", "x": [1, 2, 3], "y": [1, 2]}}, "lengths", {"x": 3, "y": 2}),
    ({"dataset": {"kind": "points", "x": [2, 2, 2], "y": [1, 2, 3]}}, "sameX", {}),
    ({"dataset": {"kind": "upload", "id": "000000000000"}}, "uploadGone", {}),
    ({"loss": "bce"}, "modelLoss", {"model": "line", "loss": "bce"}),
    ({"model": {"kind": "mlp"}, "mode": "linear"}, "networkMode", {"mode": "linear"}),
    ({"model": {"kind": "mlp"}, "seed": 1, "init_params": [0, 1]}, "networkInit", {}),
    (
        {"model": {"kind": "mlp", "hidden": [64, 64]}, "trace_state": True},
        "traceSize",
        {"size": 4353},
    ),
    ({"init": {"w": 0, "b": 0}, "init_params": [0, 1]}, "initBoth", {}),
    (
        {"scheduler": {"name": "OneCycleLR", "max_lr": 0.5, "cycle_momentum": True}},
        "cycleMomentum",
        {"optimizer": "sgd"},
    ),
]
CATALOGUE = Path(__file__).parents[1] / "frontend" / "js" / "i18n" / "ko.js"


@pytest.mark.parametrize(("body", "reason", "figures"), REASONS, ids=[r for _, r, _ in REASONS])
def test_a_refusal_across_fields_names_its_reason_for_the_page(client, body, reason, figures):
    """The page says these in its own language (form/checks.js serverSays): the 422 names its reason,
    with the figures the message holds, and the Korean catalogue has words for it."""
    (item,) = client.post("/api/jobs", json=body).json()["detail"]
    assert item["ctx"] == item["ctx"] | {"reason": reason, **figures}
    assert f"'say.{reason}'" in CATALOGUE.read_text()


NOT_NUMBERS = [
    ({"lr": True}, "lr"),
    ({"epochs": True}, "epochs"),
    ({"lr": "0.1"}, "lr"),
    ({"epochs": "10"}, "epochs"),
    ({"shuffle": 1}, "shuffle"),
    ({"standardize": "true"}, "standardize"),
    ({"init": {"w": True, "b": 0}}, "w"),
    ({"dataset": {"kind": "synthetic", "n": "20"}}, "n"),
    ({"dataset": {"kind": "synthetic", "noise": False}}, "noise"),
]


@pytest.mark.parametrize(("body", "field"), NOT_NUMBERS)
def test_booleans_and_strings_are_not_numbers(client, body, field):
    check(client.post("/api/jobs", json=body), field, 422)


def test_ints_are_still_floats(client):
    r = client.post("/api/jobs", json={"lr": 1, "epochs": 2, "init": {"w": 0, "b": 1}})
    assert r.status_code == 201, r.text


RAW_BODIES = [
    (b'{"lr": ', "body"),  # malformed
    (b'{"lr": NaN}', "lr"),
    (b'{"lr": Infinity}', "lr"),
    (b'{"init": {"w": -Infinity, "b": 0}}', "w"),
    (b"[1, 2, 3]", "body"),
    (b'"sgd"', "body"),
    (b"\xff\xfe\x00garbage", "body"),
]


@pytest.mark.parametrize(("raw", "field"), RAW_BODIES)
def test_malformed_json_is_a_4xx(client, raw, field):
    r = client.post("/api/jobs", content=raw, headers={"Content-Type": "application/json"})
    check(r, field)


def test_bad_upload_columns_name_the_column(client):
    r = client.post("/api/datasets", files={"file": ("h.csv", OK_CSV, "text/csv")})
    assert r.status_code == 201, r.text
    upload = r.json()["id"]
    check(
        client.post(
            "/api/jobs", json={"dataset": {"kind": "upload", "id": upload, "x": "shoe size"}}
        ),
        "x",
        422,
    )
    check(
        client.post("/api/jobs", json={"dataset": {"kind": "upload", "id": upload, "y": "name"}}),
        "y",
        422,
    )
    big = {"mode": "minibatch", "batch_size": 5, "dataset": {"kind": "upload", "id": upload}}
    check(client.post("/api/jobs", json=big), "batch_size", 422)


CSV_CASES = [
    ("oversize", b"x,y\n" + b"1,2\n" * (5 * 1024 * 1024 // 4 + 10), 413),
    ("binary", bytes(range(256)) * 8, 422),
    ("garbled", b"x,y\n1,2\n\xff\xfe\xfa,3\n4,5\n", 422),
    ("one column", b"x\n1\n2\n3\n", 422),
    ("not numeric", b"a,b\nfoo,bar\nbaz,qux\n", 422),
    ("empty", b"", 422),
    ("duplicate header", b"x,x\n1,2\n3,4\n", 422),
]


@pytest.mark.parametrize(("name", "raw", "status"), CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_bad_csv_is_a_4xx_naming_the_file(client, name, raw, status):
    check(
        client.post("/api/datasets", files={"file": (f"{name}.csv", raw, "text/csv")}),
        "file",
        status,
    )


def test_upload_without_a_file_names_the_field(client):
    check(client.post("/api/datasets", data={"other": "1"}), "file", 422)


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/jobs/{id}"),
        ("DELETE", "/api/jobs/{id}"),
        ("GET", "/api/jobs/{id}/events"),
        ("GET", "/api/jobs/{id}/surface"),
        ("GET", "/api/jobs/{id}/code"),
    ],
)
@pytest.mark.parametrize("job_id", ["0123456789ab", "no-such-job", "%00", "x" * 300])
def test_unknown_job_ids_are_404(client, method, path, job_id):
    r = client.request(method, path.format(id=job_id))
    assert r.status_code == 404, r.text
    assert "job" in json.dumps(r.json())


@pytest.fixture(scope="module")
def job_id(any_server):
    with httpx.Client(base_url=any_server.url, timeout=30) as client:
        r = client.post("/api/jobs", json={"epochs": 3})
        assert r.status_code == 201
        return r.json()["id"]


SURFACE_CASES = [
    ({"resolution": 1}, "resolution"),
    ({"resolution": 201}, "resolution"),
    ({"resolution": "fine"}, "resolution"),
    ({"w_min": 0}, "w_max"),
    ({"w_min": 0, "w_max": 1, "b_min": 0}, "b_max"),
    ({"w_min": 1, "w_max": 0, "b_min": 0, "b_max": 1}, "w_max"),
    ({"w_min": 0, "w_max": 1, "b_min": 2, "b_max": 2}, "b_max"),
    ({"w_min": "nan", "w_max": 1, "b_min": 0, "b_max": 1}, "w_min"),
    ({"w_min": 0, "w_max": "inf", "b_min": 0, "b_max": 1}, "w_max"),
    ({"w_min": -1e31, "w_max": 1, "b_min": 0, "b_max": 1}, "w_min"),
    ({"w_min": "abc", "w_max": 1, "b_min": 0, "b_max": 1}, "w_min"),
]


@pytest.mark.parametrize(("query", "field"), SURFACE_CASES)
def test_bad_surface_query_names_the_parameter(client, job_id, query, field):
    check(client.get(f"/api/jobs/{job_id}/surface", params=query), field, 422)


@pytest.mark.parametrize(
    "value", ["abc", "-1", "1.5", "99999999999999999999", "", "NaN", "1_0", "+1", "0012"]
)
def test_bad_last_event_id_names_the_header(client, job_id, value):
    check(
        client.get(f"/api/jobs/{job_id}/events", headers={"Last-Event-ID": value}),
        "last-event-id",
        422,
    )


def test_a_path_outside_the_api_is_a_plain_404(client):
    assert client.get("/api/jobs/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_wrong_methods_and_content_types_are_4xx(client):
    assert client.put("/api/jobs").status_code == 405
    check(
        client.post(
            "/api/jobs",
            content=b"lr=0.1",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        "body",
    )
    assert client.get("/api/health").status_code == 200  # and the server is still up
