"""README.md and docs/ against the tree: the README stays a newcomer's short path whose commands are
the Makefile's, every relative link and #anchor leads somewhere, and docs/deploy.md's settings are
exactly the fields of backend/gdviz/settings.py (read as source: no import of the backend), and
docs/backend.md and docs/page.md name every module of the tree and no other."""

import ast
import re
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`+[^`\n]*`+")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
SETTING = re.compile(r"\bGDVIZ_[A-Z0-9]+(?:_[A-Z0-9]+)*\b")


def prose(text: str) -> str:
    """The text outside fenced code blocks (a `# comment` in a shell block is not a heading)."""
    return FENCE.sub("", text)


def slug(heading: str) -> str:
    """The id GitHub gives a heading: its text, lower case, without punctuation, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link counts by its text
    text = text.replace("`", "").replace("*", "")
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    ids = set()
    for heading in HEADING.findall(prose(page.read_text())):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        ids.add(base if n == 0 else f"{base}-{n}")
    return ids


def links(page: Path) -> list[str]:
    text = INLINE_CODE.sub("code", prose(page.read_text()))
    return LINK.findall(text)


@pytest.mark.parametrize(
    ("heading", "github_id"),
    [
        ("Live changes: `PATCH /api/jobs/{id}`", "live-changes-patch-apijobsid"),
        ("Rooms: a class that follows the teacher", "rooms-a-class-that-follows-the-teacher"),
        (
            "Real data, the defaults, and what the page refuses",
            "real-data-the-defaults-and-what-the-page-refuses",
        ),
        ("`make test-fast`", "make-test-fast"),
        ("In Korean (한국어)", "in-korean-한국어"),
    ],
)
def test_slug_is_githubs_id(heading: str, github_id: str):
    assert slug(heading) == github_id


def test_readme_is_a_short_path():
    lines = README.read_text().splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; move detail into docs/"
    quick_start = next(i for i, line in enumerate(lines) if line == "## Quick start")
    assert quick_start < 20, "the quick start is the README's first section, near the top"


def test_quick_start_commands_are_the_makefiles():
    text = README.read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "the quick start has a sh block"
    commands = re.findall(r"^make (\S+)", block.group(1), re.MULTILINE)
    assert commands == ["serve", "test"]
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([\w.-]+):", makefile, re.MULTILINE))
    assert {"serve", "test", "test-fast"} <= targets
    assert "`make test-fast`" in text
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE), "CI runs the README's test command"


def test_readme_links_every_doc():
    linked = {target.split("#")[0] for target in links(README)}
    missing = [f"docs/{doc.name}" for doc in DOCS if f"docs/{doc.name}" not in linked]
    assert missing == [], "docs the README's reader cannot reach"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_and_anchors_resolve(page: Path):
    found = links(page)
    broken = []
    for target in found:
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {path}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.name}")
    assert broken == [], f"{page.name}: {broken}"


def test_the_link_check_sees_links():
    # A regex that stopped matching would pass every page above.
    assert len(links(README)) >= 10
    assert sum(len(links(doc)) for doc in DOCS) >= 30
    assert "workshop-docker" in anchors(ROOT / "docs" / "deploy.md")


def settings_fields() -> tuple[str, set[str]]:
    tree = ast.parse((ROOT / "backend" / "gdviz" / "settings.py").read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    prefix = next(
        kw.value.value
        for node in ast.walk(cls)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg == "env_prefix" and isinstance(kw.value, ast.Constant)
    )
    fields = {
        node.target.id
        for node in cls.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id != "model_config"
    }
    return prefix, fields


def test_deploy_doc_tables_exactly_the_settings():
    prefix, fields = settings_fields()
    assert prefix == "GDVIZ_" and len(fields) >= 10
    settings = {prefix + field.upper() for field in fields}
    text = (ROOT / "docs" / "deploy.md").read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    tabled = set(re.findall(r"^\| `(GDVIZ_\w+)` \|", section, re.MULTILINE))
    assert settings - tabled == set(), "settings not in docs/deploy.md's configuration table"
    assert tabled - settings == set(), "in docs/deploy.md's table but not in settings.py"


def suite_switches() -> set[str]:
    """What the test suite itself reads from the environment (GDVIZ_SCREENSHOTS): not settings."""
    read = re.compile(r"os\.environ\.get\(\"(GDVIZ_\w+)\"")
    return {
        name for path in (ROOT / "tests").rglob("*.py") for name in read.findall(path.read_text())
    }


def test_docs_name_only_real_settings():
    prefix, fields = settings_fields()
    settings = {prefix + field.upper() for field in fields} | suite_switches()
    named = {name: page.name for page in PAGES for name in SETTING.findall(page.read_text())}
    unknown = {name: page for name, page in named.items() if name not in settings}
    assert unknown == {}, "settings the docs name that settings.py does not have"


def table_rows(page: Path) -> list[list[str]]:
    """The cells of every table row of ``page``, without the header rows and their rules."""
    lines = [line.strip() for line in page.read_text().splitlines()] + [""]
    rule = re.compile(r"^\|[-:| ]+\|$")
    return [
        [cell.strip() for cell in line.strip("|").split(" | ")]
        for line, after in pairwise(lines)
        if line.startswith("|") and not rule.match(line) and not rule.match(after)
    ]


def named(cell: str) -> set[str]:
    return set(re.findall(r"`([^`]+\.(?:py|js))`", cell))


def test_backend_doc_names_every_module_and_no_other():
    """docs/backend.md: a row per module (`store/redis/jobs.py`), or a folder's row (`models/`)
    naming each of its modules."""
    package = ROOT / "backend" / "gdviz"
    tree = {p.relative_to(package).as_posix() for p in package.rglob("*.py")}
    doc: set[str] = set()
    for first, *rest in table_rows(ROOT / "docs" / "backend.md"):
        folder = re.fullmatch(r"`([\w/]+/)`", first)
        if folder:
            doc |= {folder[1] + name for name in named(" ".join(rest))}
        else:
            doc |= named(first)
    assert doc == tree, f"missing: {sorted(tree - doc)}; not in the tree: {sorted(doc - tree)}"


def test_page_doc_names_every_folder_and_module_and_no_other():
    js = ROOT / "frontend" / "js"
    tree = {p.relative_to(js).as_posix() for p in js.rglob("*.js")}
    page = ROOT / "docs" / "page.md"
    top = {name.removeprefix("frontend/js/") for name in named(page.read_text().split("\n|", 1)[0])}
    doc = {name for name in top if "/" not in name}  # main.js, runs.js: named before the table
    for first, *rest in table_rows(page):
        folder = re.fullmatch(r"`(\w[\w-]*/)`", first)
        assert folder, f"docs/page.md: a row that names no folder: {first}"
        doc |= {folder[1] + name for name in named(rest[0])}
    assert doc == tree, f"missing: {sorted(tree - doc)}; not in the tree: {sorted(doc - tree)}"
