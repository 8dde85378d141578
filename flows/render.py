"""Rich rendering of CLI results (tables, progress) — the only place that prints."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

_STAGE_LABEL = {
    "scan": "Reading files",
    "parse": "Parsing",
    "embed": "Embedding",
    "write": "Writing",
}


def out_console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def print_table(table: Table) -> None:
    """A rich table on a terminal; plain, complete lines when piped (CI logs, ``| head``,
    editor wrappers), where a table fitted to 80 columns would cut paths and names.

    Plain form: the title with a colon, then one line per row — ``key: value`` for a two-column
    table without a header, else the cells joined by two spaces after a header line."""
    if stdout_is_terminal():
        out_console().print(table)
        return
    cells = [[_plain(c) for c in col._cells] for col in table.columns]
    rows = list(zip(*cells, strict=True)) if cells else []
    lines = [f"{_plain(table.title)}:"] if table.title else []
    if len(table.columns) == 2 and not table.show_header:
        lines += [f"{k}: {v}" for k, v in rows]
    else:
        if table.show_header:
            lines.append("  ".join(_plain(col.header) for col in table.columns))
        lines += ["  ".join(row) for row in rows]
    sys.stdout.write("".join(line + "\n" for line in lines))


def _plain(cell: Any) -> str:
    """The text of a cell as the user sees it (markup rendered away, never cut)."""
    if isinstance(cell, Text):
        return cell.plain
    return Text.from_markup(cell).plain if isinstance(cell, str) else str(cell or "")


@contextmanager
def progress_bars(enabled: bool) -> Iterator[Any]:
    """A ``(stage, done, total)`` callback drawing one rich bar per stage on stderr."""
    if not enabled:
        yield None
        return
    progress = Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console(),
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(_STAGE_LABEL.get(stage, stage), total=total)
        progress.update(tasks[stage], completed=done, total=total)

    with progress:
        yield update


def index_summary(s: dict[str, Any]) -> None:
    head = Table(title=f"Indexed {s['repo']}", show_header=False, box=None)
    head.add_row("index", s["db"])
    head.add_row("model", s["model_id"])
    head.add_row("commit", s["commit"][:12] or "(not a git repository)")
    head.add_row(
        "files",
        f"{s['files']} ({s['added']} added, {s['changed']} changed, "
        f"{s['deleted']} deleted, {s['unchanged']} unchanged)",
    )
    head.add_row("symbols / chunks / edges", f"{s['symbols']} / {s['chunks']} / {s['edges']}")
    head.add_row("edges resolved", str(s["edges_resolved"]))
    head.add_row(
        "embedded",
        f"{s['chunks_embedded']} chunks ({s['chunks_cached']} reused from the cache), "
        f"{s['chunks_per_s']} chunks/s",
    )
    if s["parse_error_files"]:
        head.add_row("parse errors", f"{s['parse_error_files']} files indexed as far as recovered")
    if s["lossy_utf8_files"]:
        head.add_row("not UTF-8", f"{s['lossy_utf8_files']} files indexed with replacements")
    head.add_row("seconds", f"{s['seconds']:.2f}")
    print_table(head)
    print_table(_count_table("Files by language", "language", s["languages"]))
    if s["skipped"]:
        print_table(_count_table("Skipped files", "reason", s["skipped"]))


def _count_table(title: str, key: str, counts: dict[str, int]) -> Table:
    table = Table(title=title)
    table.add_column(key)
    table.add_column("files", justify="right")
    for name, n in counts.items():
        table.add_row(name, str(n))
    return table


def hits_table(hits: list[dict[str, Any]], files: bool) -> None:
    if not stdout_is_terminal():
        _hit_lines(hits, files)
        return
    table = Table()
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    if files:
        table.add_column("file")
        table.add_column("symbols")
        for i, h in enumerate(hits, 1):
            table.add_row(str(i), f"{h['score']:.4f}", h["path"], ", ".join(h["symbols"][:3]))
    else:
        table.add_column("location")
        table.add_column("symbol")
        for i, h in enumerate(hits, 1):
            loc = f"{h['path']}:{h['start_line']}-{h['end_line']}"
            table.add_row(str(i), f"{h['score']:.4f}", loc, h["symbol"] or h["kind"])
    out_console().print(table)


def _hit_lines(hits: list[dict[str, Any]], files: bool) -> None:
    """``path: score (symbols)`` per file, ``path:start-end: score symbol`` per chunk."""
    lines = []
    for h in hits:
        if files:
            symbols = ", ".join(h["symbols"])
            lines.append(f"{h['path']}: {h['score']:.4f}" + (f" ({symbols})" if symbols else ""))
        else:
            where = f"{h['path']}:{h['start_line']}-{h['end_line']}"
            lines.append(f"{where}: {h['score']:.4f} {h['symbol'] or h['kind']}")
    sys.stdout.write("".join(line + "\n" for line in lines))


def status_table(st: dict[str, Any]) -> None:
    table = Table(title=f"Index of {st['repo']}", show_header=False, box=None)
    for key, value in st.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
        table.add_row(key.replace("_", " "), str(value))
    print_table(table)


def violations_table(violations: list[dict[str, Any]], files_checked: int) -> None:
    con = out_console()
    if not violations:
        con.print(f"No convention broken ({files_checked} files checked).")
        return
    if not stdout_is_terminal():  # as ruff and mypy print them: path:line: [rule] message
        sys.stdout.write(
            "".join(
                f"{v['path']}:{v['line']}: [{v['rule']}] {v['message']}"
                + (f" ({v['evidence']})" if v.get("evidence") else "")
                + "\n"
                for v in violations
            )
        )
        return
    table = Table(title=f"{len(violations)} convention violations")
    for col in ("location", "rule", "message", "evidence"):
        table.add_column(col)
    for v in violations:
        table.add_row(f"{v['path']}:{v['line']}", v["rule"], v["message"], v.get("evidence", ""))
    con.print(table)
