"""docs/api.md against the OpenAPI schema: every operation the server has is documented, the
document names no operation the server lacks, its reference table (every operation's answers and
their fields) is the one the schema makes, and every answer is typed: a JSON answer by a declared
model, any other by its media type.

``python tests/test_api_doc.py`` writes the reference table again."""

import re
from pathlib import Path
from typing import Any

from gdviz.app import create_app

DOC = Path(__file__).parents[1] / "docs" / "api.md"
OPERATION = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s?]*)")
BEGIN = (
    "<!-- reference: made from the OpenAPI schema by `python tests/test_api_doc.py`; "
    "tests/test_api_doc.py fails while it is stale -->\n"
)
END = "<!-- end of reference -->\n"
MEDIA = {
    "text/event-stream": "server-sent events",
    "text/x-python": "a Python script",
    "text/csv": "CSV",
}


def openapi() -> dict[str, Any]:
    return create_app().openapi()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def normalized(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)  # {id} in the doc is {job_id} in the schema


def test_api_doc_documents_exactly_the_openapi_operations():
    served = {(method, normalized(path)) for method, path, _ in operations(openapi())}
    prose = DOC.read_text().split(BEGIN)[0]
    documented = {(m, normalized(p)) for m, p in OPERATION.findall(prose)}
    assert served - documented == set(), "in the OpenAPI schema but not in docs/api.md"
    assert documented - served == set(), "in docs/api.md but not served"


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def fields(schema: dict[str, Any], node: dict[str, Any]) -> str:
    """A JSON answer's top-level fields, ``name?`` for those it may leave out."""
    if "anyOf" in node:  # one of several models
        return " or ".join(fields(schema, each) for each in node["anyOf"])
    node = resolve(schema, node)
    if "properties" not in node:
        return f"`{node.get('type', 'any')}`"
    required = set(node.get("required", ()))
    names = [f"{n}{'' if n in required else '?'}" for n in node["properties"]]
    return "`{" + ", ".join(names) + "}`"


def answers(schema: dict[str, Any], status: str, answer: dict[str, Any]) -> str:
    kinds = []
    for media, content in answer.get("content", {}).items():
        if media == "application/json":
            kinds.append(fields(schema, content.get("schema", {})))
        else:
            kinds.append(f"{MEDIA.get(media, media)} (`{media}`)")
    return f"`{status}` " + " or ".join(kinds) if kinds else f"`{status}`"


def reference(schema: dict[str, Any]) -> str:
    """One row per operation: what it does, what it answers, and with which fields."""
    rows = [
        "| operation | what | answers | refusals |",
        "|---|---|---|---|",
    ]
    for method, path, operation in operations(schema):
        paragraph = " ".join(operation.get("description", "").split("\n\n")[0].split())
        what = re.split(r"\. |; ", paragraph)[0].rstrip(".")
        statuses = operation["responses"]
        done = [answers(schema, s, a) for s, a in statuses.items() if s.startswith("2")]
        refused = " ".join(sorted(s for s in statuses if not s.startswith("2")))
        rows.append(f"| `{method} {path}` | {what} | {'; '.join(done)} | {refused} |")
    return "\n".join(rows) + "\n"


def documented_reference() -> str:
    text = DOC.read_text()
    assert BEGIN in text and END in text, "docs/api.md has lost its reference's markers"
    return text.split(BEGIN, 1)[1].split(END, 1)[0]


def test_the_reference_table_is_the_one_the_schema_makes():
    assert documented_reference() == reference(openapi()), (
        "docs/api.md's reference is stale: run `python tests/test_api_doc.py`"
    )


def test_every_answer_is_typed():
    """A JSON answer names its model (not a bare object), or names each of the models it may be;
    anything else, its media type."""
    schema = openapi()
    for method, path, operation in operations(schema):
        for status, answer in operation["responses"].items():
            content = answer.get("content", {})
            if not status.startswith("2"):
                assert content, f"{method} {path} {status}: no declared answer"
                continue
            assert content, f"{method} {path} {status}: no media type"
            for media, body in content.items():
                if media == "application/json":
                    named = body.get("schema", {})
                    models = named.get("anyOf", [named])
                    assert all("$ref" in m for m in models), f"{method} {path}: a bare JSON answer"
                else:
                    assert media in MEDIA, f"{method} {path}: {media} is not described"


if __name__ == "__main__":
    text = DOC.read_text()
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    DOC.write_text(before + BEGIN + reference(openapi()) + END + after)
