"""docs/api.md against the OpenAPI schema: every operation the server has is documented, and the
document names no operation the server lacks."""

import re
from pathlib import Path

from gdviz.app import create_app

DOC = Path(__file__).parents[1] / "docs" / "api.md"
OPERATION = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s?]*)")


def normalized(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)  # {id} in the doc is {job_id} in the schema


def test_api_doc_documents_exactly_the_openapi_operations():
    schema = create_app().openapi()
    served = {
        (method.upper(), normalized(path))
        for path, operations in schema["paths"].items()
        for method in operations
    }
    documented = {(m, normalized(p)) for m, p in OPERATION.findall(DOC.read_text())}
    assert served - documented == set(), "in the OpenAPI schema but not in docs/api.md"
    assert documented - served == set(), "in docs/api.md but not served"
