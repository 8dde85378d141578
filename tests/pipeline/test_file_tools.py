"""The agent's tools: path safety, exact-match edits, write guards, index refresh."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import PathOutsideWorktree
from specpilot.pipeline.model.protocol import ToolCall
from specpilot.pipeline.testing import GrepIndex
from specpilot.pipeline.workspace.file_tools import Toolbox
from specpilot.pipeline.workspace.paths import WriteGuard, resolve_in_worktree
from tests.pipeline.run_helpers import DEMO_FILES

MakeRepo = Callable[..., Path]


@pytest.fixture
def root(make_repo: MakeRepo) -> Path:
    return make_repo(DEMO_FILES)


def _box(root: Path, config: PipelineConfig, **kwargs: Any) -> Toolbox:
    kwargs.setdefault("guard", WriteGuard())
    return Toolbox(root, config=config, **kwargs)


def _call(box: Toolbox, tool: str, /, **args: Any) -> tuple[str, bool]:
    outcome = box.call(ToolCall("t1", tool, args))
    return outcome.content, outcome.is_error


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("../../etc/passwd", "contains '..'"),
        ("calc/../../x", "contains '..'"),
        ("/etc/passwd", "absolute"),
        ("~/notes.txt", "absolute"),
        ("calc\\ops.py", "not a POSIX path"),
        (".git/config", "inside .git"),
    ],
)
def test_paths_that_leave_the_worktree_are_refused(root: Path, raw: str, message: str) -> None:
    with pytest.raises(PathOutsideWorktree, match=message):
        resolve_in_worktree(root, raw)


def test_symlinks_out_are_refused_and_symlinks_in_resolve(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "out").symlink_to(outside)
    (root / "out_file").symlink_to(outside / "f.txt")
    (root / "alias").symlink_to(root / "calc")
    for raw in ("out/f.txt", "out_file", "out"):
        with pytest.raises(PathOutsideWorktree, match="symlink"):
            resolve_in_worktree(root, raw)
    path, rel = resolve_in_worktree(root, "alias/ops.py")
    assert rel == "calc/ops.py" and path == (root / "calc/ops.py").resolve()
    assert resolve_in_worktree(root, "./calc//ops.py")[1] == "calc/ops.py"


def test_read_file_with_line_ranges(root: Path, config: PipelineConfig) -> None:
    box = _box(root, config)
    text, err = _call(box, "read_file", path="calc/ops.py", start_line=4, end_line=5)
    assert not err
    assert text.splitlines() == [
        "calc/ops.py lines 4-5 of 9 (more: read from line 6)",
        "     4\tdef add(a, b):",
        "     5\t    return a + b",
    ]
    small = _box(root, replace(config, read_max_lines=2))
    assert "lines 1-2 of 9" in _call(small, "read_file", path="calc/ops.py")[0]
    assert _call(box, "read_file", path="calc/ops.py", start_line=0)[1]
    assert "is not a file" in _call(box, "read_file", path="calc")[0]
    assert "must be an integer" in _call(box, "read_file", path="calc/ops.py", start_line="x")[0]
    (root / "blob.bin").write_bytes(b"\xff\xfe\x00")
    assert "not UTF-8" in _call(box, "read_file", path="blob.bin")[0]


def test_list_dir_hides_git(root: Path, config: PipelineConfig) -> None:
    (root / ".git").mkdir()
    text, err = _call(_box(root, config), "list_dir")
    assert not err and text.splitlines() == ["./", "calc/", "tests/"]
    assert _call(_box(root, config), "list_dir", path="calc")[0].splitlines()[1:] == [
        "__init__.py",
        "ops.py",
    ]
    assert "contains '..'" in _call(_box(root, config), "list_dir", path="..")[0]


def test_edit_must_match_exactly_once(root: Path, config: PipelineConfig) -> None:
    box = _box(root, config)
    text, err = _call(box, "edit_file", path="calc/ops.py", old_text="return a", new_text="x")
    assert err and "matches 2 times in calc/ops.py (at lines 5, 9)" in text
    text, err = _call(box, "edit_file", path="calc/ops.py", old_text="return  a + b", new_text="")
    assert err and "was not found" in text
    assert box.changed == []
    text, err = _call(
        box, "edit_file", path="calc/ops.py", old_text="return a + b", new_text="return b + a"
    )
    assert not err and text == "Edited calc/ops.py."
    assert "return b + a" in (root / "calc/ops.py").read_text()
    assert box.changed == ["calc/ops.py"]
    assert (
        "does not exist" in _call(box, "edit_file", path="nope.py", old_text="a", new_text="b")[0]
    )
    assert (
        "must not be empty"
        in _call(box, "edit_file", path="calc/ops.py", old_text="", new_text="b")[0]
    )


def test_edit_keeps_crlf_line_endings(root: Path, config: PipelineConfig) -> None:
    (root / "win.txt").write_bytes(b"one\r\ntwo\r\n")
    box = _box(root, config)
    assert not _call(box, "edit_file", path="win.txt", old_text="two", new_text="2")[1]
    assert (root / "win.txt").read_bytes() == b"one\r\n2\r\n"


def test_create_file(root: Path, config: PipelineConfig) -> None:
    box = _box(root, config)
    text, err = _call(box, "create_file", path="calc/new/mod.py", content="X = 1\n")
    assert not err and (root / "calc/new/mod.py").read_text() == "X = 1\n"
    text, err = _call(box, "create_file", path="calc/ops.py", content="")
    assert err and "already exists" in text
    assert box.changed == ["calc/new/mod.py"]


def test_write_guard_blocks_and_allows(root: Path, config: PipelineConfig) -> None:
    guard = WriteGuard(allow=["calc/**", "tests/**"], block=["calc/vendored/", "*.lock"])
    box = _box(root, config, guard=guard)
    (root / "calc/vendored").mkdir()
    (root / "calc/vendored/lib.py").write_text("v = 1\n")
    text, err = _call(box, "edit_file", path="calc/vendored/lib.py", old_text="1", new_text="2")
    assert err and "blocked for writing" in text
    text, err = _call(box, "create_file", path="setup.py", content="")
    assert err and "outside the paths this spec allows (calc/**, tests/**)" in text
    assert _call(box, "create_file", path="calc/deps.lock", content="")[1]
    # a symlink in an allowed place cannot be used to write a blocked file
    (root / "calc/shortcut.py").symlink_to(root / "calc/vendored/lib.py")
    text, err = _call(box, "edit_file", path="calc/shortcut.py", old_text="1", new_text="2")
    assert err and "blocked" in text
    assert (root / "calc/vendored/lib.py").read_text() == "v = 1\n"
    # reading is not restricted by the guard
    assert not _call(box, "read_file", path="calc/vendored/lib.py")[1]


def test_searches_see_the_agents_own_edits(root: Path, config: PipelineConfig) -> None:
    index = GrepIndex(root)
    box = _box(root, config, index=index)
    assert "No definition" in _call(box, "find_symbol", name="mul")[0]
    _call(box, "create_file", path="calc/more.py", content="def mul(a, b):\n    return add(a, b)\n")
    assert index.refreshed == []  # refreshed lazily, before the next search
    found, err = _call(box, "find_symbol", name="mul")
    assert not err and found.startswith("calc/more.py:1-1 mul")
    assert index.refreshed == [("calc/more.py",)]
    callers = _call(box, "find_callers", name="add")[0]
    assert "calc/more.py:2-2 mul" in callers and "tests/test_ops.py" in callers
    hits = _call(box, "search_code", query="mul")[0]
    assert hits.startswith("calc/more.py:1-2")


def test_tools_on_offer_depend_on_index_and_tests(root: Path, config: PipelineConfig) -> None:
    bare = _box(root, config)
    names = {t.name for t in bare.specs()}
    assert "search_code" not in names and "run_tests" not in names and "finish" in names
    assert "No code index" in _call(bare, "search_code", query="x")[0]
    full = _box(root, config, index=GrepIndex(root), run_tests=lambda: "Tests PASSED")
    assert {"search_code", "find_symbol", "find_callers", "run_tests"} <= {
        t.name for t in full.specs()
    }
    assert _call(full, "run_tests") == ("Tests PASSED", False)


def test_unknown_tools_bad_args_and_long_output(root: Path, config: PipelineConfig) -> None:
    box = _box(root, replace(config, tool_output_chars=100))
    text, err = _call(box, "rm_rf", path=".")
    assert err and "Unknown tool 'rm_rf'; available: read_file, list_dir" in text
    assert "'path' is required" in _call(box, "read_file")[0]
    assert "must be a string" in _call(box, "read_file", path=3)[0]
    text, err = _call(box, "read_file", path="tests/test_ops.py")
    assert not err and "characters cut" in text and len(text) < 200
    outcome = box.call(ToolCall("t9", "finish", {"summary": "done"}))
    assert outcome.finished and outcome.content == "Finished: done"


def test_a_write_check_can_veto_with_a_reason(root: Path, config: PipelineConfig) -> None:
    seen: list[tuple[str, str | None, str | None]] = []

    def check(path: str, *, old_text: str | None = None, new_text: str | None = None) -> str | None:
        seen.append((path, old_text, new_text))
        return "policy says no" if new_text and "FORBIDDEN" in new_text else None

    box = _box(root, config, write_check=check)
    text, err = _call(box, "create_file", path="x.py", content="FORBIDDEN = 1\n")
    assert err and text == "policy says no" and not (root / "x.py").exists()
    assert (
        _call(
            box,
            "edit_file",
            path="calc/ops.py",
            old_text="b):\n    return a - b",
            new_text="b):\n    return b",
        )[1]
        is False
    )
    assert seen[0] == ("x.py", None, "FORBIDDEN = 1\n")
    assert seen[1][0] == "calc/ops.py" and "return a - b" in (seen[1][1] or "")


# --- symlinks into .git: resolved before the .git check ---------------------------


@pytest.fixture
def linked(root: Path) -> Path:
    """A checkout with a .git dir and committed-looking symlinks into it."""
    (root / ".git" / "hooks").mkdir(parents=True)
    (root / ".git" / "config").write_text("[core]\n\tbare = false\n")
    (root / "link_git").symlink_to(".git")
    (root / "hooks_link").symlink_to(".git/hooks")
    (root / "cfg").symlink_to(".git/config")
    (root / "new_hook").symlink_to(".git/hooks/pre-commit")  # dangling: create_file target
    (root / "sub").mkdir()
    (root / "sub/.git").mkdir()  # a nested repository
    (root / "sub_git").symlink_to("sub/.git")
    return root


@pytest.mark.parametrize(
    "raw",
    ["link_git/config", "link_git", "hooks_link/pre-commit", "cfg", "new_hook", "sub_git/config",
     "sub/.git/config", ".GIT/config", "calc/../.git"],
)  # fmt: skip
def test_symlinks_into_any_git_dir_are_refused(linked: Path, raw: str) -> None:
    with pytest.raises(PathOutsideWorktree, match=r"\.git|'\.\.'"):
        resolve_in_worktree(linked, raw)


def test_no_tool_reads_or_writes_git_files_through_a_symlink(
    linked: Path, config: PipelineConfig
) -> None:
    box = _box(linked, config)
    config_before = (linked / ".git/config").read_text()
    calls = [
        ("read_file", {"path": "link_git/config"}),
        ("read_file", {"path": "cfg"}),
        ("list_dir", {"path": "link_git"}),
        ("list_dir", {"path": "hooks_link"}),
        ("edit_file", {"path": "cfg", "old_text": "bare", "new_text": "fsmonitor = x\n\tbare"}),
        ("create_file", {"path": "link_git/hooks/pre-commit", "content": "#!/bin/sh\n"}),
        ("create_file", {"path": "hooks_link/post-commit", "content": "#!/bin/sh\n"}),
        ("create_file", {"path": "new_hook", "content": "#!/bin/sh\n"}),
        ("create_file", {"path": "sub_git/config", "content": "[core]\n"}),
    ]
    for tool, args in calls:
        text, err = _call(box, tool, **args)
        assert err and ".git" in text, (tool, args, text)
    assert (linked / ".git/config").read_text() == config_before
    assert sorted(p.name for p in (linked / ".git/hooks").iterdir()) == []
    assert not (linked / "sub/.git/config").exists()
    assert box.changed == []


def test_a_worktree_dot_git_file_cannot_be_rewritten_through_a_symlink(
    root: Path, config: PipelineConfig
) -> None:
    (root / ".git").write_text("gitdir: /somewhere/.git/worktrees/x\n")  # as in a worktree
    (root / "link_git").symlink_to(".git")
    box = _box(root, config)
    text, err = _call(box, "read_file", path="link_git")
    assert err and "/somewhere" not in text
    text, err = _call(box, "edit_file", path="link_git", old_text="/somewhere", new_text="/evil")
    assert err and ".git" in text
    assert (root / ".git").read_text() == "gitdir: /somewhere/.git/worktrees/x\n"


def test_symlink_loops_and_dangling_links_out_are_tool_errors(
    root: Path, config: PipelineConfig, tmp_path: Path
) -> None:
    (root / "loop").symlink_to("loop")
    (root / "dangling_out").symlink_to(tmp_path / "nowhere" / "x.txt")
    box = _box(root, config)
    for tool, args in [
        ("read_file", {"path": "loop"}),
        ("create_file", {"path": "loop/x.py", "content": ""}),
        ("create_file", {"path": "dangling_out", "content": "x"}),
    ]:
        text, err = _call(box, tool, **args)
        assert err, (tool, text)
    assert not (tmp_path / "nowhere").exists()
