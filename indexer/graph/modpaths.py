"""Module paths → repository files, per language family (a pure, in-memory index).

``ModuleIndex.resolve(importer, language, module, chain)`` maps a module as written plus a
chain of names used through it (``pkg.sub`` + ``["Session", "get"]``) to the repo files that
define the module and the part of the chain left as a symbol path inside them, or ``None``
when the module is not a file of this repository (stdlib, third party, unknown).

- Python: relative imports by path (``.x`` → ``<dir>/x.py`` or ``<dir>/x/__init__.py``);
  absolute imports against the source roots (the repo root, ``src/`` and the parent of every
  top-level package), then the importer's own folder when it is not a package (scripts, tests).
  The longest module prefix of ``module.chain`` that is a file wins, so ``from a import b``
  finds the submodule ``a/b.py`` before the name ``b`` in ``a/__init__.py``.
- JavaScript/TypeScript: relative specifiers only, with extension and ``index`` resolution
  (``./x.js`` also finds ``x.ts``); bare package names are external.
- Go: the package folder whose path is the longest suffix of a non-standard import path
  (the first segment has a dot); all its files answer for the package.
- Java: the class file whose dotted path (``com/x/Y.java`` → ``com.x.Y``) ends with the
  longest prefix of ``module.chain``; a package folder for wildcard imports.
- Rust: ``crate::`` (the folder of the nearest ``lib.rs``/``main.rs``), ``self::``, ``super::``
  and plain paths from the current module; each segment is ``<seg>.rs`` or ``<seg>/mod.rs``.

Several candidates (two roots hold the same module) → the one sharing the longest folder
prefix with the importer, then the first in path order.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Sequence

Resolution = tuple[tuple[str, ...], tuple[str, ...]]  # (files, symbol chain inside them)

JS_FAMILY: frozenset[str] = frozenset({"javascript", "typescript", "tsx"})
_JS_SUFFIXES = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
_JS_STRIP = (".js", ".jsx", ".mjs", ".cjs")


class ModuleIndex:
    """Lookup tables built once from the (path, language) pairs of a repository."""

    def __init__(self, files: Iterable[tuple[str, str]]) -> None:
        self._paths: set[str] = set()
        self._by_dir: dict[str, list[str]] = defaultdict(list)
        python: list[str] = []
        self._java_classes: dict[str, list[str]] = defaultdict(list)
        self._java_dirs: dict[str, set[str]] = defaultdict(set)
        self._go_dirs: dict[str, set[str]] = defaultdict(set)
        for path, language in sorted(files):
            self._paths.add(path)
            folder = posixpath.dirname(path)
            self._by_dir[folder].append(path)
            if language == "python":
                python.append(path)
            elif language == "java":
                parts = path.removesuffix(".java").split("/")
                for k in range(len(parts)):
                    self._java_classes[".".join(parts[k:])].append(path)
                    if k < len(parts) - 1:
                        self._java_dirs[".".join(parts[k:-1])].add(folder)
            elif language == "go":
                parts = folder.split("/") if folder else []
                for k in range(len(parts)):
                    self._go_dirs["/".join(parts[k:])].add(folder)
        self._packages = {posixpath.dirname(p) for p in python if p.endswith("/__init__.py")}
        self._python = self._python_modules(python)
        self._cache: dict[tuple[str, str, str, tuple[str, ...]], Resolution | None] = {}

    # -- public ---------------------------------------------------------------------------

    def resolve(
        self, importer: str, language: str, module: str, chain: Sequence[str]
    ) -> Resolution | None:
        """(files, remaining symbol chain) of ``module`` + ``chain`` seen from ``importer``."""
        folder = posixpath.dirname(importer)
        key = (folder if language != "rust" else importer, language, module, tuple(chain))
        if key not in self._cache:
            self._cache[key] = self._resolve(importer, language, module, tuple(chain))
        return self._cache[key]

    def package_files(self, path: str) -> tuple[str, ...]:
        """The files in the folder of ``path`` (a Go / Java package)."""
        return tuple(self._by_dir.get(posixpath.dirname(path), ()))

    def representative(self, files: Sequence[str]) -> str:
        """One file to stand for a package: ``<folder>.go``-style name, else the first."""
        if len(files) == 1:
            return files[0]
        plain = [f for f in files if not f.endswith(("_test.go", "Test.java"))] or list(files)
        for f in plain:
            stem = posixpath.splitext(posixpath.basename(f))[0]
            if stem == posixpath.basename(posixpath.dirname(f)):
                return f
        return plain[0] if plain else ""

    # -- per language ---------------------------------------------------------------------

    def _resolve(
        self, importer: str, language: str, module: str, chain: tuple[str, ...]
    ) -> Resolution | None:
        if language == "python":
            return self._resolve_python(importer, module, chain)
        if language in JS_FAMILY:
            path = self._js_module(importer, module)
            return ((path,), chain) if path else None
        if language == "go":
            return self._resolve_go(module, chain, importer)
        if language == "java":
            return self._resolve_java(importer, module, chain)
        if language == "rust":
            return self._resolve_rust(importer, [*_rust_segments(module), *chain])
        return None

    def _python_modules(self, python: list[str]) -> dict[str, list[str]]:
        roots = {"", "src"}
        for package in self._packages:
            top = package
            while posixpath.dirname(top) in self._packages:
                top = posixpath.dirname(top)
            roots.add(posixpath.dirname(top))
        modules: dict[str, list[str]] = defaultdict(list)
        for path in python:
            parts = path.rsplit(".", 1)[0].removesuffix("/__init__").split("/")
            for k in range(len(parts)):  # every ancestor folder that is a source root
                if "/".join(parts[:k]) in roots:
                    dotted = ".".join(parts[k:])
                    if path not in modules[dotted]:
                        modules[dotted].append(path)
        return modules

    def _resolve_python(
        self, importer: str, module: str, chain: tuple[str, ...]
    ) -> Resolution | None:
        for k in range(len(chain), -1, -1):
            dotted = module if not k else _join_dotted(module, chain[:k])
            path = self._python_module(importer, dotted)
            if path:
                return (path,), chain[k:]
        return None

    def _python_module(self, importer: str, dotted: str) -> str | None:
        folder = posixpath.dirname(importer)
        if dotted.startswith("."):
            rest = dotted.lstrip(".")
            for _ in range(len(dotted) - len(rest) - 1):
                folder = posixpath.dirname(folder)
            if not rest:  # the package itself
                init = posixpath.join(folder, "__init__.py")
                return init if init in self._paths else None
            return self._python_file(posixpath.join(folder, rest.replace(".", "/")))
        found = self._python.get(dotted)
        if found:
            return _closest(importer, found)
        if folder not in self._packages:  # a script / test folder is on sys.path itself
            return self._python_file(posixpath.join(folder, dotted.replace(".", "/")))
        return None

    def _python_file(self, stem: str) -> str | None:
        for candidate in (f"{stem}.py", f"{stem}/__init__.py", f"{stem}.pyi"):
            if candidate in self._paths:
                return candidate
        return None

    def _js_module(self, importer: str, spec: str) -> str | None:
        if not spec.startswith((".", "/")):
            return None
        base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec)).lstrip("/")
        stems = [base]
        if base.endswith(_JS_STRIP):
            stems.append(base.rsplit(".", 1)[0])
        for stem in stems:
            if stem in self._paths:
                return stem
            for suffix in _JS_SUFFIXES:
                if stem + suffix in self._paths:
                    return stem + suffix
        for suffix in _JS_SUFFIXES:
            if f"{base}/index{suffix}" in self._paths:
                return f"{base}/index{suffix}"
        return None

    def _resolve_go(self, module: str, chain: tuple[str, ...], importer: str) -> Resolution | None:
        parts = module.split("/")
        if "." not in parts[0]:
            return None  # the standard library
        for k in range(len(parts)):
            folders = self._go_dirs.get("/".join(parts[k:]))
            if folders:
                folder = _closest(importer, sorted(folders))
                files = [f for f in self._by_dir[folder] if f.endswith(".go")]
                return tuple(files), chain
        return None

    def _resolve_java(
        self, importer: str, module: str, chain: tuple[str, ...]
    ) -> Resolution | None:
        full = [*module.split("."), *chain]
        for k in range(len(full), 0, -1):
            found = self._java_classes.get(".".join(full[:k]))
            if found and (k > 1 or len(full) == 1):
                return (_closest(importer, found),), tuple(full[k - 1 :])
        folders = self._java_dirs.get(module)
        if folders and not chain:
            folder = _closest(importer, sorted(folders))
            return tuple(f for f in self._by_dir[folder] if f.endswith(".java")), ()
        return None

    def _resolve_rust(self, importer: str, segments: list[str]) -> Resolution | None:
        if not segments:
            return None
        folder, current = self._rust_module_dir(importer), importer
        anchored = True
        head = segments[0]
        if head == "crate":
            root = self._rust_crate_root(importer)
            if root is None:
                return None
            current, folder, segments = root, posixpath.dirname(root), segments[1:]
        elif head in ("self", "super"):
            while segments and segments[0] in ("self", "super"):
                if segments[0] == "super":
                    folder = posixpath.dirname(folder)
                    current = self._rust_module_file(folder) or current
                segments = segments[1:]
        else:
            anchored = False
        while segments:
            name = segments[0]
            step = self._first(f"{folder}/{name}.rs", f"{folder}/{name}/mod.rs")
            if step is None:
                break
            current, folder, segments = step, posixpath.join(folder, name), segments[1:]
            anchored = True
        return ((current,), tuple(segments)) if anchored else None

    def _rust_module_dir(self, path: str) -> str:
        folder, name = posixpath.split(path)
        if name in ("lib.rs", "main.rs", "mod.rs"):
            return folder
        return posixpath.join(folder, name.removesuffix(".rs"))

    def _rust_module_file(self, folder: str) -> str | None:
        return self._first(
            f"{folder}/mod.rs", f"{folder}.rs", f"{folder}/lib.rs", f"{folder}/main.rs"
        )

    def _rust_crate_root(self, path: str) -> str | None:
        folder = posixpath.dirname(path)
        while True:
            root = self._first(f"{folder}/lib.rs", f"{folder}/main.rs")
            if root is not None or not folder:
                return root
            folder = posixpath.dirname(folder)

    def _first(self, *candidates: str) -> str | None:
        for candidate in candidates:
            candidate = candidate.lstrip("/")
            if candidate in self._paths:
                return candidate
        return None


def _join_dotted(module: str, chain: Sequence[str]) -> str:
    tail = ".".join(chain)
    return module + tail if module.endswith(".") else f"{module}.{tail}"


def _rust_segments(module: str) -> list[str]:
    return [part for part in module.split("::") if part]


def _closest(importer: str, candidates: Sequence[str]) -> str:
    if len(candidates) == 1:
        return candidates[0]
    parts = importer.split("/")

    def shared(candidate: str) -> int:
        count = 0
        for a, b in zip(parts, candidate.split("/"), strict=False):
            if a != b:
                break
            count += 1
        return count

    return max(candidates, key=shared)  # the first of equals: path order
