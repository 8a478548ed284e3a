"""schemathesis against the OpenAPI schema of a real server: random valid and invalid requests, and
stateful runs from a created job to its stream, surface, code and cancel — no 5xx, no response
that breaks its schema."""

import itertools
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

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
CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,  # every 4xx the API gives is declared (routes/errors.py)
    openapi_checks.response_schema_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
]


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("fuzz") / "server.log", env={"GDVIZ_MAX_JOBS": "1000"}
    ) as server:
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


def with_limits(case, n: int) -> None:
    """Every 5th change comes from another origin (403), every 7th job body is over 1 MB (413)."""
    if case.method.upper() in ("POST", "DELETE") and n % 5 == 0:
        case.headers = {**(case.headers or {}), "Origin": "http://evil.example"}
    elif case.path == "/api/jobs" and isinstance(case.body, dict) and n % 7 == 3:
        case.body = {**case.body, "padding": "x" * 1_100_000}


def test_every_operation_answers_within_its_schema(schema, fuzz_server):
    failures = []
    calls = itertools.count()
    statuses: set[int] = set()
    for result in schema.get_all_operations():
        operation = result.ok()

        @FUZZ
        @given(case=operation.as_strategy())
        def fuzz(case):
            with_limits(case, next(calls))
            response = case.call()
            statuses.add(response.status_code)
            case.validate_response(response, checks=CHECKS)

        try:
            fuzz()
        except Exception as exc:  # collect all, so one run shows every broken operation
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
            # Only these checks: a schema-valid config may still be a documented 422
            # (e.g. batch_size above n), which the default "positive data" check would flag.
            case.validate_response(response, checks=CHECKS)

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
