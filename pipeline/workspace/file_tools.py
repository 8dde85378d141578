"""The agent's tools over one worktree. Every failure is a ``ToolError`` whose message the
model sees as an error tool result; the loop goes on.

Tools: read_file, list_dir, search_code, find_symbol, find_callers, edit_file, create_file,
run_tests, finish. Paths go through ``resolve_in_worktree`` (symlinks followed first, then the
real path must stay in the worktree and out of any ``.git``), so reads and writes never go
through a symlink that leads out or into git's files; writes also go through ``WriteGuard`` on
both the given and the real path. Files the agent wrote are refreshed in the index before
its next search.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import ToolError
from specpilot.pipeline.core.index import CodeIndex
from specpilot.pipeline.model.protocol import ToolCall, ToolSpec
from specpilot.pipeline.workspace.paths import WriteCheck, WriteGuard, resolve_in_worktree

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    content: str
    is_error: bool = False
    finished: bool = False


def _schema(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required}


_PATH = {"type": "string", "description": "path relative to the repository root"}
_NAME = {"type": "string", "description": "symbol name, e.g. 'parse' or 'Client.get'"}

TOOL_SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "read_file",
        "Read a text file, with line numbers. Use start_line/end_line for long files.",
        _schema(
            {"path": _PATH, "start_line": {"type": "integer"}, "end_line": {"type": "integer"}},
            ["path"],
        ),
    ),
    ToolSpec("list_dir", "List a directory (default: the root).", _schema({"path": _PATH}, [])),
    ToolSpec(
        "search_code",
        "Search the code index; returns ranked snippets with paths and lines.",
        _schema({"query": {"type": "string"}, "top_k": {"type": "integer"}}, ["query"]),
    ),
    ToolSpec("find_symbol", "Where a symbol is defined.", _schema({"name": _NAME}, ["name"])),
    ToolSpec("find_callers", "Where a symbol is called.", _schema({"name": _NAME}, ["name"])),
    ToolSpec(
        "edit_file",
        "Replace old_text with new_text in a file. old_text must match exactly once "
        "(whitespace included); include surrounding lines to make it unique.",
        _schema(
            {"path": _PATH, "old_text": {"type": "string"}, "new_text": {"type": "string"}},
            ["path", "old_text", "new_text"],
        ),
    ),
    ToolSpec(
        "create_file",
        "Create a new file (fails if it exists; use edit_file to change files).",
        _schema({"path": _PATH, "content": {"type": "string"}}, ["path", "content"]),
    ),
    ToolSpec(
        "run_tests", "Run the repository's test command and see the results.", _schema({}, [])
    ),
    ToolSpec(
        "finish",
        "Call when the change is complete and the tests pass; summarise what you changed.",
        _schema({"summary": {"type": "string"}}, ["summary"]),
    ),
)


class Toolbox:
    """The tools bound to one worktree. ``changed`` lists the paths the agent wrote."""

    def __init__(
        self,
        root: Path,
        *,
        config: PipelineConfig,
        guard: WriteGuard,
        index: CodeIndex | None = None,
        refresh_index: bool = True,
        run_tests: Callable[[], str] | None = None,
        write_check: WriteCheck | None = None,
    ) -> None:
        self.root = root
        self._config = config
        self._guard = guard
        self._index = index
        self._refresh_index = refresh_index
        self._write_check = write_check
        self._run_tests = run_tests
        self.changed: list[str] = []
        self.writes = 0  # successful edit_file / create_file calls
        self._stale: list[str] = []
        self._handlers: dict[str, Callable[[Mapping[str, Any]], ToolOutcome]] = {
            "read_file": self._read_file,
            "list_dir": self._list_dir,
            "search_code": self._search_code,
            "find_symbol": self._find_symbol,
            "find_callers": self._find_callers,
            "edit_file": self._edit_file,
            "create_file": self._create_file,
            "run_tests": self._run_tests_tool,
            "finish": self._finish,
        }

    def specs(self) -> tuple[ToolSpec, ...]:
        """The tools on offer: search tools only with an index, run_tests only with a command."""
        missing = set()
        if self._index is None:
            missing |= {"search_code", "find_symbol", "find_callers"}
        if self._run_tests is None:
            missing.add("run_tests")
        return tuple(t for t in TOOL_SPECS if t.name not in missing)

    def call(self, call: ToolCall) -> ToolOutcome:
        handler = self._handlers.get(call.name)
        if handler is None:
            return ToolOutcome(
                f"Unknown tool {call.name!r}; available: {', '.join(self._handlers)}.", True
            )
        try:
            outcome = handler(call.arguments)
        except ToolError as exc:
            log.info("tool %s refused: %s", call.name, exc)
            return ToolOutcome(str(exc), is_error=True)
        except OSError as exc:
            log.warning("tool %s failed: %s", call.name, exc)
            return ToolOutcome(f"{call.name} failed: {exc.strerror or exc}.", is_error=True)
        limit = self._config.tool_output_chars
        if len(outcome.content) > limit:
            cut = len(outcome.content) - limit
            text = outcome.content[:limit] + f"\n[... {cut} characters cut; narrow the request]"
            return ToolOutcome(text, outcome.is_error, outcome.finished)
        return outcome

    # --- reading ------------------------------------------------------------------------
    def _read_file(self, args: Mapping[str, Any]) -> ToolOutcome:
        path, rel = resolve_in_worktree(self.root, _str(args, "path"))
        if not path.is_file():
            raise ToolError(f"{rel} is not a file; use list_dir to see what exists.")
        lines = _read_text(path, rel).splitlines()
        start = _int(args, "start_line", 1)
        end = _int(args, "end_line", len(lines))
        if start < 1 or end < start:
            raise ToolError(f"The line range {start}-{end} is not valid; lines start at 1.")
        end = min(end, len(lines), start + self._config.read_max_lines - 1)
        body = "\n".join(f"{n:6}\t{lines[n - 1]}" for n in range(start, end + 1))
        more = f" (more: read from line {end + 1})" if end < len(lines) else ""
        return ToolOutcome(f"{rel} lines {start}-{end} of {len(lines)}{more}\n{body}")

    def _list_dir(self, args: Mapping[str, Any]) -> ToolOutcome:
        raw = args.get("path") or "."
        path, rel = (
            (self.root.resolve(), ".")
            if raw == "."
            else resolve_in_worktree(self.root, _as_str(raw, "path"))
        )
        if not path.is_dir():
            raise ToolError(f"{rel} is not a directory.")
        entries = sorted(
            p.name + ("/" if p.is_dir() else "")
            for p in path.iterdir()
            if p.name.casefold() != ".git"
        )
        shown = entries[:500]
        more = f"\n[... {len(entries) - 500} more]" if len(entries) > 500 else ""
        return ToolOutcome(f"{rel}/\n" + "\n".join(shown) + more)

    def _index_or_error(self) -> CodeIndex:
        if self._index is None:
            raise ToolError("No code index is available in this run; use list_dir and read_file.")
        if self._stale and self._refresh_index:
            self._index.refresh(list(dict.fromkeys(self._stale)))
            self._stale.clear()
        return self._index

    def _search_code(self, args: Mapping[str, Any]) -> ToolOutcome:
        query = _str(args, "query")
        hits = self._index_or_error().search(query, max(1, min(_int(args, "top_k", 8), 30)))
        if not hits:
            return ToolOutcome(f"No results for {query!r}.")
        return ToolOutcome(
            "\n\n".join(
                f"{h.path}:{h.start_line}-{h.end_line}"
                + (f" [{h.symbol}]" if h.symbol else "")
                + f" score={h.score:.3g}\n{h.snippet}"
                for h in hits
            )
        )

    def _find_symbol(self, args: Mapping[str, Any]) -> ToolOutcome:
        name = _str(args, "name")
        found = self._index_or_error().find_symbol(name)
        return ToolOutcome(_symbols(found, f"No definition of {name!r} found."))

    def _find_callers(self, args: Mapping[str, Any]) -> ToolOutcome:
        name = _str(args, "name")
        found = self._index_or_error().callers(name)
        return ToolOutcome(_symbols(found, f"No callers of {name!r} found."))

    # --- writing ------------------------------------------------------------------------
    def _writable(self, raw: str) -> tuple[Path, str]:
        path, rel = resolve_in_worktree(self.root, raw)
        for candidate in dict.fromkeys((PurePosixPath(raw.strip()).as_posix(), rel)):
            refusal = self._guard.refusal(candidate)
            if refusal:
                raise ToolError(refusal)
        return path, rel

    def _vet(self, rel: str, old_text: str | None, new_text: str) -> None:
        if self._write_check is not None:
            refusal = self._write_check(rel, old_text=old_text, new_text=new_text)
            if refusal:
                raise ToolError(refusal)

    def _mark_changed(self, rel: str) -> None:
        self.writes += 1
        if rel not in self.changed:
            self.changed.append(rel)
        self._stale.append(rel)

    def _edit_file(self, args: Mapping[str, Any]) -> ToolOutcome:
        path, rel = self._writable(_str(args, "path"))
        old, new = (
            _str(args, "old_text", allow_empty=False),
            _as_str(args.get("new_text"), "new_text"),
        )
        if not path.is_file():
            raise ToolError(f"{rel} does not exist; use create_file for new files.")
        text = _read_text(path, rel)
        count = text.count(old)
        if count == 0:
            raise ToolError(
                f"old_text was not found in {rel}; read the file and copy the exact text "
                "(indentation and line breaks included)."
            )
        if count > 1:
            lines = []
            pos = text.find(old)
            while pos != -1:
                lines.append(str(text.count("\n", 0, pos) + 1))
                pos = text.find(old, pos + len(old))
            raise ToolError(
                f"old_text matches {count} times in {rel} (at lines {', '.join(lines)}); "
                "include more surrounding lines so it matches exactly once."
            )
        updated = text.replace(old, new, 1)
        self._vet(rel, text, updated)
        _write_text(path, updated)
        self._mark_changed(rel)
        return ToolOutcome(f"Edited {rel}.")

    def _create_file(self, args: Mapping[str, Any]) -> ToolOutcome:
        path, rel = self._writable(_str(args, "path"))
        content = _as_str(args.get("content"), "content")
        if path.exists() or path.is_symlink():
            raise ToolError(f"{rel} already exists; use edit_file to change it.")
        self._vet(rel, None, content)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_text(path, content)
        self._mark_changed(rel)
        return ToolOutcome(f"Created {rel} ({len(content.splitlines())} lines).")

    # --- control ------------------------------------------------------------------------
    def _run_tests_tool(self, args: Mapping[str, Any]) -> ToolOutcome:
        if self._run_tests is None:
            raise ToolError("No test command is available in this run.")
        return ToolOutcome(self._run_tests())

    def _finish(self, args: Mapping[str, Any]) -> ToolOutcome:
        summary = _as_str(args.get("summary", ""), "summary")
        return ToolOutcome(f"Finished: {summary}", finished=True)


def _symbols(found: list[Any], empty: str) -> str:
    if not found:
        return empty
    return "\n".join(
        f"{s.path}:{s.start_line}-{s.end_line} {s.symbol}: {s.snippet.strip()[:200]}"
        for s in found[:50]
    )


def _as_str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ToolError(f"The argument {name!r} must be a string, not {type(value).__name__}.")
    return value


def _str(args: Mapping[str, Any], name: str, *, allow_empty: bool = False) -> str:
    if name not in args:
        raise ToolError(f"The argument {name!r} is required.")
    value = _as_str(args[name], name)
    if not value and not allow_empty:
        raise ToolError(f"The argument {name!r} must not be empty.")
    return value


def _int(args: Mapping[str, Any], name: str, default: int) -> int:
    value = args.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ToolError(f"The argument {name!r} must be an integer, not {value!r}.")
    return value


def _read_text(path: Path, rel: str) -> str:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return fh.read()
    except UnicodeDecodeError as exc:
        raise ToolError(f"{rel} is not UTF-8 text; the tools only read text files.") from exc
    except OSError as exc:
        raise ToolError(f"{rel} cannot be read: {exc.strerror}.") from exc


def _write_text(path: Path, text: str) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as exc:
        raise ToolError(f"{path.name} cannot be written: {exc.strerror}.") from exc
