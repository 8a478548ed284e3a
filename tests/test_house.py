"""The backend's house rules, read from its source with ``ast`` (nothing is imported or run):

- no function changes a module-level object: no ``global``, no assignment to an attribute or an
  item of a module-level or imported name, no mutating call on one (settings and stores reach the
  routes through the app's state, never through a module that start-up changes);
- the import graph has no circles, between modules nor between the rooms of any folder (a
  sub-package counts as one room of its parent), so every import runs downward;
- the store, the job and its workers stand on their own: they import nothing of the web app.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "backend" / "gdviz"
MUTATORS = {
    "append", "extend", "insert", "update", "setdefault", "pop", "popitem", "clear", "add",
    "discard", "remove", "sort", "reverse", "__setitem__", "__delitem__",
}  # fmt: skip
# The one deliberate exception: ``gdviz serve`` hands its options to the server processes it
# starts through their environment, which is what the environment is for.
ALLOWED = {("cli.py", "os")}


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (``gdviz.store.memory.jobs``)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = modules()


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


# --- changes to module-level objects ---


def module_names(tree: ast.Module) -> set[str]:
    """What a module binds at its top level: imports, definitions, assignments."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def local_names(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """The names a function binds itself: its parameters and whatever it assigns or imports."""
    args = function.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    names = {a.arg for a in params if a is not None}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler):
            names.add(node.name or "")
    return names


def base(node: ast.expr) -> ast.expr:
    """``a.b[c].d`` → ``a``."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node


def changed_targets(node: ast.AST) -> Iterator[ast.expr]:
    """What a statement or call changes in place: attribute and item targets, mutating calls."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute | ast.Subscript) and isinstance(
                    part.ctx, ast.Store
                ):
                    yield part
    elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.Delete):
        targets = node.targets if isinstance(node, ast.Delete) else [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute | ast.Subscript):
                yield target
    elif isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in MUTATORS:
            yield func.value
        elif isinstance(func, ast.Name) and func.id in ("setattr", "delattr") and node.args:
            yield node.args[0]


def module_mutations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    shared = module_names(tree)
    found = []

    def visit(node: ast.AST, local: set[str]) -> None:
        for child in ast.iter_child_nodes(node):
            inner = local
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                inner = local | local_names(child)
            if isinstance(child, ast.Global):
                found.append(f"{path.name}:{child.lineno}: global {', '.join(child.names)}")
            for target in changed_targets(child):
                root = base(target)
                if (
                    isinstance(root, ast.Name)
                    and root.id in shared
                    and root.id not in local
                    and (path.name, root.id) not in ALLOWED
                ):
                    found.append(f"{path.name}:{child.lineno}: changes {ast.unparse(target)}")
            visit(child, inner)

    for node in tree.body:  # top-level statements define the module: only functions are looked in
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            visit(node, local_names(node) if not isinstance(node, ast.ClassDef) else set())
    return found


def test_no_function_changes_a_module_level_object() -> None:
    found = [line for path in MODULES.values() for line in module_mutations(path)]
    assert found == []


# --- imports ---


def imports_of(name: str) -> set[str]:
    """The package's modules that ``name`` imports, wherever in it (lazy imports count)."""
    path = MODULES[name]
    package = name if is_package(name) else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                origin = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{origin}.{node.module}" if node.module else origin
            else:
                module = node.module or ""
            names = {f"{module}.{a.name}" for a in node.names}
            if not names <= MODULES.keys():  # `from . import data` needs only gdviz.data
                found.add(module)
            found.update(names)
    out = set()
    for module in found:
        while module and module not in MODULES:
            module = module.rpartition(".")[0]
        if module and module != name:
            out.add(module)
    return out


GRAPH = {name: imports_of(name) for name in MODULES}


def circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of ``graph``, or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_no_module_imports_itself_round_a_circle() -> None:
    assert circle(GRAPH) is None


FOLDERS = sorted({n for n in MODULES if is_package(n)})


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_circle_between_the_rooms_of_a_folder(folder: str) -> None:
    """In ``gdviz/``, ``store/`` is one room: ``job.py`` may import it or be imported by it,
    not both. A folder's own ``__init__`` is one room beside the others."""

    def room(name: str) -> str | None:
        if name == folder or not name.startswith(folder + "."):
            return None if name != folder else name
        return f"{folder}.{name[len(folder) + 1 :].split('.')[0]}"

    graph: dict[str, set[str]] = {}
    for name, imported in GRAPH.items():
        if (here := room(name)) is None:
            continue
        for other in imported:
            there = room(other)
            if there is not None and there != here:
                graph.setdefault(here, set()).add(there)
    assert circle(graph) is None


def reaches(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        for nxt in GRAPH[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


WEB = ("gdviz.app", "gdviz.cli", "gdviz.guards", "gdviz.routes")


@pytest.mark.parametrize(
    "name", [n for n in MODULES if n.startswith(("gdviz.store", "gdviz.job", "gdviz.workers"))]
)
def test_the_store_and_the_job_stand_on_their_own(name: str) -> None:
    web = {m for m in reaches(name) if m.startswith(WEB)}
    assert web == set(), f"{name} reaches the web app"
    if name.startswith("gdviz.store.memory"):  # a server without Redis never loads its client
        assert not {m for m in reaches(name) if m.startswith("gdviz.store.redis")}
