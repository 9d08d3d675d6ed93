"""The package's layout holds: dependencies point one way (each package imports only those below it), no import
circle, no source file over 300 lines, no OS or backend named outside its table and registry. Read from the
source's AST, not from running it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "src" / "airgaplab"
# bottom to top: a module may import its own layer and those below it
LAYERS = (
    ("airgaplab.errors", "airgaplab.paths", "airgaplab.retry", "airgaplab.diagnosis", "airgaplab.kit",
     "airgaplab.i18n"),
    ("airgaplab.lab", "airgaplab.services"),  # a service module: the lab's files, steps and checks of one service
    ("airgaplab.probes",),
    ("airgaplab.backends", "airgaplab.inventory"),  # an inventory: hosts the harness reaches but never made
    ("airgaplab.suite",),
    ("airgaplab.exercise",),
    ("airgaplab.report",),
    ("airgaplab.classroom",),
    ("airgaplab.board",),
    ("airgaplab.cli", "airgaplab.__main__"),
)
SHIMS = PKG / "backends" / "netns" / "shims"
REGISTERED = ("netns", "vagrant")  # the backends' packages (airgaplab.backends.REGISTRY names them)


def sources() -> list[Path]:
    """The package's modules: its .py files but the services' conformance tests (pytest's, as tests/ is)."""
    return [p for p in PKG.rglob("*.py") if "conformance" not in p.relative_to(PKG).parts]


def module_of(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(name: str) -> str:
    """The module an imported name is: airgaplab.lab.spec for `from airgaplab.lab import spec`, else its package."""
    while name and not ((PKG.parent / name.replace(".", "/")).with_suffix(".py").exists()
                        or (PKG.parent / name.replace(".", "/") / "__init__.py").exists()):
        name = name.rpartition(".")[0]
    return name


def imports(*, typing_too: bool = False) -> dict[str, set[str]]:
    """module → the airgaplab modules it imports, at any depth (a lazy import in a function is an arrow too); a type
    named for mypy only (under TYPE_CHECKING) is an arrow with `typing_too`: no arrow at run time, but two modules
    that name each other are one module read in two files."""
    graph: dict[str, set[str]] = {}
    for path in sources():
        mod, found = module_of(path), set()
        tree = ast.parse(path.read_text())
        typing_only = set() if typing_too else {
            id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
            and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING" for n in ast.walk(block)}
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("airgaplab"):
                found |= {resolve(f"{node.module}.{a.name}") for a in node.names}
            elif isinstance(node, ast.Import):
                found |= {resolve(a.name) for a in node.names if a.name.startswith("airgaplab")}
        graph[mod] = found - {mod, "airgaplab"}
    return graph


def layer(mod: str) -> int:
    for i, prefixes in enumerate(LAYERS):
        if any(mod == p or mod.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{mod} is in no layer of test_layout.LAYERS: place it")


def test_every_import_points_down_or_sideways_within_its_package() -> None:
    back_up = [f"{m} -> {t}" for m, ts in imports().items() for t in ts if layer(t) > layer(m)]
    assert not back_up, "imports that point back up: " + "; ".join(sorted(back_up))


def test_no_import_circle_not_even_through_a_type_named_for_mypy() -> None:
    graph = imports(typing_too=True)
    seen: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(m: str, path: list[str]) -> list[str] | None:
        seen[m] = 1
        for t in sorted(graph.get(m, ())):
            if seen.get(t) == 1:
                return [*path[path.index(t):], t] if t in path else [m, t]
            if t not in seen and (circle := visit(t, [*path, t])):
                return circle
        seen[m] = 2
        return None

    for m in sorted(graph):
        if m not in seen:
            circle = visit(m, [m])
            assert circle is None, "import circle: " + " -> ".join(circle)


def test_no_backend_module_imports_another_backends() -> None:
    """What two backends share is a module of backends/ (a VM lab's private hypervisor stands on the simulated
    internet through backends.internet, loaded by the registry)."""
    def backend_of(mod: str) -> str | None:
        parts = mod.split(".")
        return parts[2] if len(parts) > 3 and parts[1] == "backends" and (PKG / "backends" / parts[2]).is_dir() \
            else None

    crossing = [f"{m} -> {t}" for m, ts in imports(typing_too=True).items() for t in ts
                if backend_of(m) and backend_of(t) and backend_of(m) != backend_of(t)]
    assert not crossing, "a backend importing another's module: " + "; ".join(sorted(crossing))


def test_the_cli_imports_no_backend() -> None:
    named = [f"{m} -> {t}" for m, ts in imports(typing_too=True).items() if m.startswith("airgaplab.cli")
             for t in ts if t.startswith("airgaplab.backends.") and t.split(".")[2] in REGISTERED]
    assert not named, "the CLI reaches backends through the registry (airgaplab.backends): " + "; ".join(sorted(named))


def test_no_outcome_compared_by_its_text_outside_its_module() -> None:
    """An outcome is suite.outcomes.Result from the suite to the board's wire: `.passing`, `.failed`, `is`."""
    words = {"PASS", "SKIP", "FAIL", "ERROR"}

    def texts(node: ast.AST) -> set[str]:
        return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and n.value in words}

    found = [f"{p.relative_to(PKG)}:{node.lineno}" for p in PKG.rglob("*.py") if p != PKG / "suite" / "outcomes.py"
             for node in ast.walk(ast.parse(p.read_text()))
             if (isinstance(node, ast.Compare) and texts(node))
             or (isinstance(node, ast.Dict) and any(k is not None and texts(k) for k in node.keys))]
    assert not found, f"an outcome compared as a string: {found}"


def test_no_source_file_over_300_lines() -> None:
    long = {str(p.relative_to(PKG)): n for p in [*sources(), *(f for f in SHIMS.iterdir() if f.is_file())]
            if (n := len(p.read_text().splitlines())) > 300}
    assert not long, f"split these by job: {long}"


def test_no_os_or_backend_named_outside_its_table_and_registry() -> None:
    os_test = re.compile(r"""\bos\s*[!=]=\s*["']""")
    backend_test = re.compile(r"""[!=]=\s*["'](netns|vagrant)["']|["'](netns|vagrant)["']\s*[!=]=""")
    found = [f"{p.relative_to(PKG)}:{i}" for p in [*sources(), *PKG.rglob("*.j2")]
             for i, line in enumerate(p.read_text().splitlines(), 1)
             if (os_test.search(line) and p.name != "family.py")
             or (backend_test.search(line) and "backends" not in p.relative_to(PKG).parts)]
    assert not found, f"an OS or backend compared by name outside airgaplab.lab.family / airgaplab.backends: {found}"
