"""Partial edge resolution gives exactly the graph a full resolution gives.

A seeded sequence of edits — methods added and removed on classes others inherit from, bases
changed, re-exports and wildcard imports toggled, Go package functions and JavaScript
re-exports added and removed, body edits — each followed by an incremental index; after every
step the stored edges must equal a full resolution of the stored parses, and most steps must
have taken the partial path — resolving against parses decoded as lookups reach them
(``indexer.graph.stored_tables``) — else the test proves nothing."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

import specpilot.indexer.build as build
from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.indexer.graph.edge_deps import Reads, Tracked
from specpilot.indexer.graph.file_tables import Tables
from specpilot.indexer.graph.resolve import resolve, resolve_tracked
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.testing import RecordingEmbedder

CFG = IndexerConfig(embed=EmbedConfig(model="hash"))

REPO = {
    "pkg/__init__.py": "from .base import *\nfrom .models import Model\n",
    "pkg/base.py": (
        "class Base:\n"
        "    def save(self):\n        return 1\n\n"
        "    def load(self):\n        return self.save()\n\n\n"
        "def helper():\n    return Base()\n"
    ),
    "pkg/models.py": (
        # Base through the package's wildcard re-export: Model's bases depend on __init__.py
        "from pkg import Base\nfrom .base import helper\nfrom .util import Mixin\n\n\n"
        "class Model(Base):\n"
        "    def run(self):\n        self.save()\n        self.tidy()\n        return helper()\n"
    ),
    "pkg/util.py": (
        "class Mixin:\n    def tidy(self):\n        return 0\n\n\n"
        "def format_it(x):\n    return str(x)\n"
    ),
    "pkg/views.py": (
        "from pkg.models import Model\nimport pkg.models as m\n\n\n"
        "def show():\n    Model().run()\n    m.Model.run(None)\n    return m.helper()\n\n\n"
        # no bases: `self.tidy()` can only mean the repository's one method of that name
        "class View:\n    def render(self):\n        return self.tidy()\n\n\n"
        # an inherited call: resolving it reuses Model's bases, found while resolving models.py
        "class Sub(Model):\n    def go(self):\n        return self.load()\n"
    ),
    "app/main.py": (
        "from pkg.views import show\nfrom pkg.util import *\n\n\n"
        "def main():\n    show()\n    return format_it(1)\n"
    ),
    # a second `load`: a `self.load()` that inheritance does not explain stays unresolved
    "app/unrelated.py": "def alone(x):\n    return x\n\n\nclass Loader:\n    def load(self):\n        return 0\n",
    "app/also.py": "def also(x):\n    return x * 2\n",
    "go.mod": "module example.com/demo\n\ngo 1.22\n",
    "lib/a.go": "package lib\n\nfunc Start() int {\n\treturn Helper() + 1\n}\n",
    "lib/b.go": "package lib\n\nfunc Helper() int {\n\treturn 2\n}\n",
    "cmd/main.go": (
        'package main\n\nimport "example.com/demo/lib"\n\n'
        "func main() {\n\tlib.Start()\n\tlib.Helper()\n}\n"
    ),
    "web/a.js": "export function greet(n) {\n  return 'hi ' + n;\n}\n",
    "web/b.js": "export * from './a';\nexport function wave() {\n  return 1;\n}\n",
    "web/c.js": "import { greet, wave } from './b';\n\nexport function both() {\n  return greet(wave());\n}\n",
}


def _edit(repo: Path, rng: random.Random, step: int) -> str:
    """One random edit; returns what it did (for the failure message)."""

    def rewrite(path: str, fn) -> None:  # type: ignore[no-untyped-def]
        f = repo / path
        f.write_text(fn(f.read_text()))

    def swap(path: str, a: str, b: str) -> None:  # a -> b, or back
        rewrite(path, lambda t: t.replace(a, b) if a in t else t.replace(b, a))

    def toggle(path: str, line: str, *, first: bool = False) -> None:  # in or out
        rewrite(
            path,
            lambda t: t.replace(line, "") if line in t else (line + t if first else t + line),
        )

    choice = rng.randrange(12)
    if choice == 0:  # a method appears on a class others inherit from or call
        cls, path = rng.choice([("Base", "pkg/base.py"), ("Mixin", "pkg/util.py")])
        name = rng.choice(["tidy", "save", "extra"])
        method = f"    def {name}(self):\n        return {step}\n\n"
        rewrite(path, lambda t: t.replace(f"class {cls}:\n", f"class {cls}:\n{method}", 1))
        return f"add {cls}.{name}"
    if choice == 1:  # a class's first method disappears (while it has more than one)
        path = rng.choice(["pkg/base.py", "pkg/util.py"])
        first = re.compile(r"(class \w+:\n)    def \w+\(self\):\n        return [^\n]+\n\n")
        rewrite(path, lambda t: first.sub(r"\1", t, count=1) if t.count("def ") > 2 else t)
        return f"drop a method of {path}"
    if choice == 2:  # Model's bases change
        bases = rng.choice(["Base", "Base, Mixin", "Mixin", "Mixin, Base"])
        rewrite(
            "pkg/models.py", lambda t: re.sub(r"class Model\([^)]*\)", f"class Model({bases})", t)
        )
        return f"Model({bases})"
    toggles = {
        3: ("pkg/__init__.py", "from .util import format_it\n", False, "re-export of format_it"),
        4: ("app/main.py", "from pkg.util import *\n", True, "wildcard import"),
        6: ("web/b.js", "export * from './a';\n", True, "JS re-export"),
        # `self.tidy()` resolved as the repository's only `tidy` must notice a second one
        # in a file its resolution never read
        8: (
            "app/also.py",
            "class Other:\n    def tidy(self):\n        return 3\n",
            False,
            "Other.tidy",
        ),
        9: ("pkg/__init__.py", "from .base import *\n", True, "the package's wildcard import"),
    }
    if choice in toggles:
        path, line, first, what = toggles[choice]
        toggle(path, line, first=first)
        return f"toggle {what}"
    swaps = {
        5: ("lib/b.go", "func Helper()", "func Helper2()"),  # a Go package function
        7: ("pkg/base.py", "def helper()", "def helper_v2()"),  # a function others import
    }
    if choice in swaps:
        swap(*swaps[choice])
        return f"rename in {swaps[choice][0]}"
    # a body edit; half of them in views.py, whose Sub resolves through another file's bases
    code = sorted(p for p in REPO if p.endswith((".py", ".go", ".js")))
    path = "pkg/views.py" if choice == 11 else rng.choice(code)
    comment = "//" if not path.endswith(".py") else "#"
    rewrite(path, lambda t: t + f"{comment} edit {step}\n")
    return f"body edit of {path}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_partial_resolution_equals_full(make_repo, tmp_path: Path, monkeypatch, seed: int) -> None:
    repo = make_repo(REPO)
    db = tmp_path / "db"
    calls: list[set[str] | None] = []
    lazy: list[bool] = []

    def spy(files, only=None):  # type: ignore[no-untyped-def]
        calls.append(only)
        lazy.append(isinstance(files, Tables))
        return resolve_tracked(files, only)

    monkeypatch.setattr(build, "resolve_tracked", spy)
    index_repo(repo, db=str(db), config=CFG, embedder=RecordingEmbedder())
    rng = random.Random(seed)
    for step in range(20):
        what = _edit(repo, rng, step)
        index_repo(repo, db=str(db), config=CFG, embedder=RecordingEmbedder())
        store = IndexStore.open(str(db))
        stored = {tuple(r.values()) for r in store.table("edges").to_arrow().to_pylist()}
        full = {
            (e.src_path, e.src_symbol, e.kind, e.target_name, e.qualifier, e.line, e.dst_path,
             e.dst_symbol)
            for e in resolve(store.parsed_files())
        }  # fmt: skip
        assert stored == full, f"step {step} ({what}): re-resolved {calls[-1]}"
    partial = [c for c in calls[1:] if c is not None]
    assert len(partial) >= 12, calls
    assert any(len(c) > 1 for c in partial)  # dependents were pulled in, not just the edit
    assert lazy == [c is not None for c in calls]  # partial runs: the stored tables


def test_tracked_records_lookups_not_membership() -> None:
    """Whether a file has a parse is not a read of it (only adds and deletes change that)."""
    reads = Reads()
    current = reads.start()
    table = Tracked({"a.py": 1}, reads.path)
    assert "a.py" in table and "b.py" not in table
    assert current.paths == set()
    assert table["a.py"] == 1 and table.get("b.py") is None
    assert current.paths == {"a.py", "b.py"}
