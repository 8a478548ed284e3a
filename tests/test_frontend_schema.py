"""The page's unit tests (tests/frontend/) read the API's schema from a copy: it must be the server's."""

import json
from pathlib import Path

import httpx

COPY = Path(__file__).parent / "frontend" / "schema.json"


def test_the_frontend_tests_schema_is_the_servers(client: httpx.Client) -> None:
    assert json.loads(COPY.read_text()) == client.get("/api/schema").json(), (
        "tests/frontend/schema.json is stale: save GET /api/schema's answer there"
    )
