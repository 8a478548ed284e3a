"""schemathesis against the OpenAPI schema of a real server: random valid and invalid requests, and
stateful runs from a created job to its stream, surface, code and cancel — with every
check schemathesis has: no 5xx, no response that breaks its schema, no invalid request accepted,
no valid one refused but for the reasons explained below."""

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.failures import AcceptedNegativeData, Failure, FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData

from support import Server, running_server

# Generated jobs are capped so none can hold a worker for long (their bounds are
# test_bad_input's job); everything else in the body is left to the fuzzer.
MAX_FUZZ_EPOCHS, MAX_FUZZ_DELAY_MS = 50, 2

FROM_A_CREATED_JOB = {
    name: {"operationId": operation_id, "parameters": {"job_id": "$response.body#/id"}}
    for name, operation_id in {
        "ReadJob": "read_job_api_jobs__job_id__get",
        "StreamEvents": "stream_events_api_jobs__job_id__events_get",
        "ReadSurface": "read_surface_api_jobs__job_id__surface_get",
        "ReadCode": "read_code_api_jobs__job_id__code_get",
        "CancelJob": "cancel_job_api_jobs__job_id__delete",
    }.items()
}
FROM_A_CREATED_JOB["StreamJobs"] = {
    "operationId": "stream_jobs_api_streams_get",
    "parameters": {"query.jobs": "$response.body#/id"},
}


# Schema-valid requests the API refuses, each for a reason the schema cannot say (a value that
# depends on another, on the job, or on a file's content), all documented in docs/api.md.
# schemathesis's positive_data_acceptance check flags them; the check stays on, and a refusal
# passes only when every one of its errors is one of these.
def integral_float(item: dict[str, Any]) -> bool:
    """JSON Schema's integer includes 2144.0; the API's integers are JSON integers (types are
    strict: an int may stand for a float, not the reverse)."""
    value = item.get("input")
    return item["type"] == "int_type" and isinstance(value, float) and value.is_integer()


def across_fields(item: dict[str, Any]) -> bool:
    """A rule across fields or with the data (batch_size above n, a scheduler without an
    optimizer, a sweep's work): the 422 names its reason in ``ctx`` for the page."""
    return bool((item.get("ctx") or {}).get("reason"))


def on_the_job(item: dict[str, Any]) -> bool:
    """A live change sets one knob at least, and only those of the job's own optimizer (not lr
    when a scheduler sets it, a nesterov momentum above 0): each of them optional in the schema."""
    words = ("give at least one of", "takes only", "follows its", "for nesterov")
    return item["loc"][:1] == ["body"] and any(w in item["msg"] for w in words)


def one_of_two(item: dict[str, Any]) -> bool:
    """GET /api/streams needs `jobs` or `room`: the schema makes each optional."""
    return item["loc"] == ["query", "jobs"] and item["msg"].startswith("give job ids")


def a_streams_position(item: dict[str, Any]) -> bool:
    """A resumed position names the stream's own jobs (`after`, `Last-Event-ID`), and a header
    cannot be JSON's null, which schemathesis sends as the text "null"."""
    return item["loc"][-1] in ("after", "last-event-id")


def a_window(item: dict[str, Any]) -> bool:
    """A surface's window bounds go together: all four or none, each min below its max; its
    slice names two parameters of the job's model, at an epoch it has trained or a point of its
    size; a plane is for a model of more than two parameters, at an odd resolution, its PCA once
    an epoch has been trained."""
    bounds = [f"{a}_{end}" for a in "wbxy" for end in ("min", "max")]
    names = (*bounds, "x_param", "y_param", "at", "at_epoch", "plane", "resolution")
    return item["loc"][:1] == ["query"] and item["loc"][-1] in names


def a_files_content(item: dict[str, Any]) -> bool:
    """An upload's file must be a CSV with a header row and two numeric columns."""
    return item["loc"] == ["body", "file"]


def a_builtin_name(item: dict[str, Any]) -> bool:
    """A built-in data set is one of the server's (`GET /api/datasets`): the schema takes any name."""
    return item["loc"] == ["body", "dataset", "name"] and item["msg"].startswith("unknown data set")


DEPENDENT = (
    integral_float,
    across_fields,
    on_the_job,
    one_of_two,
    a_streams_position,
    a_window,
    a_files_content,
    a_builtin_name,
)


def explained(failure: Failure, response: httpx.Response, padded: bool) -> bool:
    if isinstance(failure, RejectedPositiveData) and response.status_code == 422:
        detail = response.json()["detail"]
        return all(any(rule(item) for rule in DEPENDENT) for item in detail)
    # The test itself made the body over 1 MB (with_limits): refused for its size first.
    return isinstance(failure, AcceptedNegativeData) and padded and response.status_code == 413


def validate(case, response: httpx.Response, padded: bool = False) -> None:
    """Every check schemathesis has; a failure fails the test unless ``explained``."""
    try:
        case.validate_response(response)
    except (Failure, FailureGroup) as exc:
        failures = exc.exceptions if isinstance(exc, FailureGroup) else (exc,)
        left = [f for f in failures if not explained(f, response, padded)]
        if left:
            said = f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
            raise FailureGroup(left, f"{exc} — {said}") from None


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"GDVIZ_MAX_JOBS": "1000", "GDVIZ_ROOMS_PER_ADDRESS": "100"}
    with running_server(tmp_path_factory.mktemp("fuzz") / "server.log", env=env) as server:
        yield server


@pytest.fixture(scope="module")
def schema(fuzz_server: Server):
    raw = httpx.get(f"{fuzz_server.url}/openapi.json").json()
    raw["paths"]["/api/jobs"]["post"]["responses"]["201"]["links"] = FROM_A_CREATED_JOB
    schema = schemathesis.openapi.from_dict(raw)
    schema.config.update(base_url=fuzz_server.url, request_timeout=20)

    @schema.hook
    def map_body(context, body):
        if context.operation.path == "/api/jobs" and isinstance(body, dict):
            if isinstance(body.get("epochs"), int):
                body["epochs"] = min(body["epochs"], MAX_FUZZ_EPOCHS)
            if isinstance(body.get("delay_ms"), int):
                body["delay_ms"] = min(body["delay_ms"], MAX_FUZZ_DELAY_MS)
            # Inline points: one y per x, so that a schema-valid body can also be a run (the
            # refused lengths are test_bad_input's); and no scheduler for the manual mode.
            points = body.get("dataset")
            if isinstance(points, dict) and points.get("kind") == "points":
                x, y = points.get("x"), points.get("y")
                if isinstance(x, list) and isinstance(y, list) and y:
                    points["y"] = (y * len(x))[: len(x)]
            if body.get("mode") == "manual":
                body.pop("scheduler", None)
        return body

    return schema


FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def with_limits(case, n: int) -> bool:
    """Every 5th change comes from another origin (403), every 7th job body is over 1 MB (413):
    whether it was padded so."""
    if case.method.upper() in ("POST", "DELETE") and n % 5 == 0:
        case.headers = {**(case.headers or {}), "Origin": "http://evil.example"}
    elif case.path == "/api/jobs" and isinstance(case.body, dict) and n % 7 == 3:
        case.body = {**case.body, "padding": "x" * 1_100_000}
        return True
    return False


def test_every_operation_answers_within_its_schema(schema, fuzz_server):
    failures = []
    calls = itertools.count()
    statuses: set[int] = set()
    for result in schema.get_all_operations():
        operation = result.ok()

        @FUZZ
        @given(case=operation.as_strategy())
        def fuzz(case):
            padded = with_limits(case, next(calls))
            response = case.call()
            statuses.add(response.status_code)
            validate(case, response, padded)

        try:
            fuzz()
        except (Exception, FailureGroup) as exc:  # all, so one run shows every broken operation
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
    assert {403, 413} <= statuses  # the limits were met, and answered as declared
    assert "Traceback" not in fuzz_server.log()


def test_created_jobs_lead_to_their_stream(schema, fuzz_server):
    calls: list[tuple[str, int]] = []

    class Machine(schema.as_state_machine()):
        def call(self, case, **kwargs):
            response = super().call(case, **kwargs)
            calls.append((case.operation.label, response.status_code))
            return response

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            validate(case, response)  # every check; a dependent 422 explained as above

    Machine.run(
        settings=settings(
            max_examples=20,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert ("GET /api/jobs/{job_id}/events", 200) in calls, calls
    assert ("GET /api/jobs/{job_id}/surface", 200) in calls, calls
    # /api/streams is one of a created job's links too, but which links the machine takes varies
    # by run and its other query parameters are fuzzed: test_multiplex holds the stream itself
    assert "Traceback" not in fuzz_server.log()
