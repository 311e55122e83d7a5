"""The layers of docs/architecture.md, read from the source: every import of a modelshare
module, at the top of a file, inside a function or for type checking only, goes down the flow,
never up, and no two packages import each other. Nothing is imported: the files are parsed
with ``ast``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "modelshare"


@dataclass(frozen=True)
class Rule:
    """No module inside ``importers`` (but those inside ``exempt``) imports one inside
    ``imported``, because ``why``."""

    importers: tuple[str, ...]
    imported: tuple[str, ...]
    why: str
    exempt: tuple[str, ...] = ()


RULES = [
    Rule(
        ("modelshare",),
        ("modelshare.cli",),
        "the CLI calls the library, never the reverse",
        exempt=("modelshare.cli", "modelshare.__main__"),
    ),
    Rule(("modelshare.bundle",), ("modelshare.audit",), "an opened release is light: no audit"),
    Rule(
        ("modelshare.card",),
        (
            "modelshare.evaluate",
            "modelshare.audit",
            "modelshare.hubs",
            "modelshare.server",
            "modelshare.release",
        ),
        "the card renders the record: it measures nothing, the audit reads it, no hub is known",
    ),
    Rule(
        ("modelshare.evaluate",),
        ("modelshare.card", "modelshare.verification", "modelshare.release", "modelshare.hubs"),
        "evaluation measures; the card shows it, verification and releases call it",
    ),
    Rule(
        ("modelshare.shift",),
        ("modelshare.release", "modelshare.distribution"),
        "the receiving side reads a release, never the code that writes one",
    ),
    Rule(
        ("modelshare.audit",),
        ("modelshare.release", "modelshare.distribution", "modelshare.hubs", "modelshare.server"),
        "the audit reads records and cards, never writes them",
    ),
    Rule(
        ("modelshare.models",),
        ("modelshare.hubs", "modelshare.server", "modelshare.release", "modelshare.audit"),
        "adapters save, load and describe models; they know nothing of hubs",
    ),
    Rule(("modelshare.hubs",), ("modelshare.server",), "a hub client does not know the server"),
    Rule(("modelshare.server",), ("modelshare.hubs",), "the server speaks the Hub API alone"),
    Rule(
        ("modelshare.layout", "modelshare.progress"),
        ("modelshare",),
        "the names of a release and the progress hook are the bottom: they import nothing",
    ),
]

DRAWERS = ("modelshare.cli", "modelshare.audit.report")
"""The only modules that draw with rich: the CLI, and the audit report it renders onto a
console the CLI gives."""


@dataclass(frozen=True)
class Import:
    """One import statement: who imports what, and where."""

    importer: str
    imported: str
    names: tuple[str, ...]
    line: int

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} imports {self.imported}"


def module_name(path: Path) -> str:
    """The dotted name of a source file, e.g. ``modelshare.card.render``."""
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Iterator[Import]:
    """Every import of a module by the file at ``path``, wherever it stands in the file."""
    importer = module_name(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(importer, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            dots = "." * node.level
            names = tuple(alias.name for alias in node.names)
            yield Import(importer, dots + (node.module or ""), names, node.lineno)


@cache
def all_imports() -> tuple[Import, ...]:
    """Every import statement in the package."""
    return tuple(found for path in sorted(SOURCE.rglob("*.py")) for found in imports_of(path))


def inside(module: str, prefixes: tuple[str, ...]) -> bool:
    """Whether ``module`` is one of ``prefixes`` or lies inside one of them."""
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def unit(module: str) -> str:
    """The package a module belongs to: its subpackage (``modelshare.card``), or itself for a
    module at the top (``modelshare.bundle``)."""
    return ".".join(module.split(".")[:2])


def internal_imports() -> list[Import]:
    """The imports of modelshare modules, the package root's ``__version__`` aside (a
    constant, not the API)."""
    return [
        found
        for found in all_imports()
        if inside(found.imported, ("modelshare",))
        and not (found.imported == "modelshare" and found.names == ("__version__",))
    ]


def cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one node (Tarjan): the cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] != index[node]:
            return
        component = {stack.pop()}
        while node not in component:
            component.add(stack.pop())
        if len(component) > 1:
            found.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_import_is_absolute() -> None:
    assert [str(found) for found in all_imports() if found.imported.startswith(".")] == []


def test_the_parser_sees_lazy_and_type_checking_imports() -> None:
    lazy = {found.imported for found in imports_of(SOURCE / "bundle.py")}
    type_checking = {found.imported for found in imports_of(SOURCE / "cli" / "checking.py")}
    assert "modelshare.card.html" in lazy
    assert "modelshare.verification" in type_checking


@pytest.mark.parametrize("rule", RULES, ids=[rule.importers[0] for rule in RULES])
def test_imports_go_down_the_flow(rule: Rule) -> None:
    wrong = [
        str(found)
        for found in internal_imports()
        if inside(found.importer, rule.importers)
        and not inside(found.importer, rule.exempt)
        and inside(found.imported, rule.imported)
    ]
    assert wrong == [], f"{rule.why}: {wrong}"


def test_only_the_version_comes_from_the_package_root() -> None:
    assert [str(found) for found in internal_imports() if found.imported == "modelshare"] == []


def test_only_the_cli_draws() -> None:
    wrong = [
        str(found)
        for found in all_imports()
        if inside(found.imported, ("rich",)) and not inside(found.importer, DRAWERS)
    ]
    assert wrong == [], "the library returns values and reports progress; the CLI draws"


def test_no_two_packages_import_each_other() -> None:
    edges: dict[str, set[str]] = {}
    for found in internal_imports():
        source, target = unit(found.importer), unit(found.imported)
        if source != target:
            edges.setdefault(source, set()).add(target)
    found_cycles = cycles(edges)
    evidence = [
        str(found)
        for found in internal_imports()
        for cycle in found_cycles
        if unit(found.importer) != unit(found.imported)
        and {unit(found.importer), unit(found.imported)} <= cycle
    ]
    assert found_cycles == [], f"import cycles between packages: {evidence}"
