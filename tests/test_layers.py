"""The package's shape, computed from the source with ``ast``: data flows one way.

Every import counts (at the top, inside functions, under ``TYPE_CHECKING``): a module may
import its own package and the layers below it, never a layer above, and no modules may import
each other in a circle. The boundaries that keep the layers honest are checked by name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KB = Path(__file__).resolve().parents[1] / "kb"

# lowest first; a module belongs to the first entry its name starts with
LAYERS: list[tuple[str, ...]] = [
    ("kb.errors", "kb.version", "kb.fs", "kb.progress"),  # leaves: standard library only
    ("kb.model",),
    ("kb.course",),
    ("kb.checks",),
    ("kb.bib",),
    ("kb.net",),
    ("kb.curate",),
    ("kb.search",),
    ("kb.site",),
    ("kb.cli",),
    ("kb",),  # the lazy public API
]


def module_name(path: Path) -> str:
    parts = path.relative_to(KB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in KB.rglob("*.py")}


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The kb modules ``name`` imports, wherever the import stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            targets = [base, *(f"{base}.{a.name}" for a in node.names)]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("kb"):
                found.add(target)
    return found


def layer(name: str) -> int:
    for i, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{name} is in no layer: add it to LAYERS")


def graph() -> dict[str, set[str]]:
    known = modules()
    edges = {name: imports(name, path, known) for name, path in known.items()}
    # an import of a package is an import of its __init__, which the package's own modules
    # need not count: `from kb.model import x` inside kb.model names a sibling module
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle() -> None:
    assert circles(graph()) == []


def test_no_import_runs_upward() -> None:
    upward = sorted(f"{a} -> {b}" for a, targets in graph().items() for b in targets
                    if b != "kb" and layer(b) > layer(a))
    assert upward == []


@pytest.mark.parametrize(("lower", "higher"), [
    ("kb.model", "kb.course"),      # the model does no I/O and knows no course on disk
    ("kb.course", "kb.checks"),     # loading the course reports problems; it does not check
    ("kb.net", "kb.course"),        # the network layer knows no course files
    ("kb.net", "kb.curate"),
    ("kb.site", "kb.cli"),          # the site and the CLI share the core, not each other
    ("kb.cli", "kb.site.plugin"),
])
def test_boundary(lower: str, higher: str) -> None:
    crossing = sorted(f"{a} -> {b}" for a, targets in graph().items() for b in targets
                      if (a == lower or a.startswith(lower + "."))
                      and (b == higher or b.startswith(higher + ".")))
    assert crossing == []


def test_layer_checker_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The checker itself: top-level, relative, function-local and TYPE_CHECKING imports."""
    known = {"kb.a": tmp_path / "a.py", "kb.b": tmp_path / "b.py", "kb.c": tmp_path / "c.py",
             "kb.d": tmp_path / "d.py"}
    source = ("from typing import TYPE_CHECKING\nfrom . import b\nif TYPE_CHECKING:\n"
              "    from kb.c import x\ndef f():\n    import kb.d\n")
    known["kb.a"].write_text(source, encoding="utf-8")
    assert imports("kb.a", known["kb.a"], known) == {"kb.b", "kb.c", "kb.d"}
    assert circles({"kb.a": {"kb.b"}, "kb.b": {"kb.c"}, "kb.c": {"kb.a"}, "kb.d": set()}) \
        == [["kb.a", "kb.b", "kb.c"]]


def test_kb_add_needs_no_bibtex_reader() -> None:
    """`kb add` places papers through kb.curate.library, not the BibTeX importer."""
    import subprocess
    import sys

    code = ("import sys, kb.curate.add; "
            "print(sorted(m for m in sys.modules if m.startswith(('bibtexparser', 'kb.curate.importer', "
            "'kb.bib.read', 'kb.bib.mapping'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
