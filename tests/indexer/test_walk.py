"""Tests for indexer.source.walk: which files of a repository are selected, and why others are not."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from specpilot.indexer.config import WalkConfig
from specpilot.indexer.errors import RepoPathError
from specpilot.indexer.source.walk import walk_repo
from specpilot.indexer.types import WalkResult

MakeRepo = Callable[..., Path]  # the make_repo fixture (tests/conftest.py)
Git = Callable[..., str]  # the git fixture: git(cwd, *args) -> stdout
CFG = WalkConfig()
MODES = pytest.mark.parametrize("use_git", [False, True], ids=["plain", "git"])


def paths(result: WalkResult) -> list[str]:
    return [f.path for f in result.files]


def make(make_repo: MakeRepo, files: dict[str, str | bytes], use_git: bool) -> Path:
    return make_repo(files, git=use_git)


# --- candidates: git mode -------------------------------------------------------------


def test_git_mode_lists_tracked_and_untracked_but_not_ignored(make_repo: MakeRepo) -> None:
    root = make_repo(
        {".gitignore": "*.log\nsecret/\n", "a.py": "x = 1\n", "gone.py": "y = 2\n"}, git=True
    )
    (root / "new.py").write_text("z = 3\n")  # untracked, not ignored
    (root / "debug.log").write_text("noise\n")  # untracked, ignored
    (root / "secret").mkdir()
    (root / "secret" / "key.py").write_text("K = 1\n")
    (root / "gone.py").unlink()  # tracked, deleted from disk

    result = walk_repo(root, CFG)

    assert result.git is True
    assert paths(result) == ["a.py", "new.py"]
    assert result.skipped == {"unsupported": 1}  # .gitignore; gone.py is dropped silently


def test_git_repo_without_commits(make_repo: MakeRepo) -> None:
    root = make_repo({"main.go": "package main\n", "x.log": "l\n"}, git=True, commit=False)
    (root / ".gitignore").write_text("*.log\n")
    result = walk_repo(root, CFG)
    assert result.git is True
    assert paths(result) == ["main.go"]


def test_subdirectory_of_a_git_repo_as_root(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            ".gitignore": "*.tmp.py\n",
            "top.py": "t = 1\n",
            "pkg/mod.py": "m = 1\n",
            "pkg/sub/deep.py": "d = 1\n",
            "pkg/scratch.tmp.py": "s = 1\n",
        },
        git=True,
    )
    result = walk_repo(root / "pkg", CFG)
    assert result.git is True
    assert paths(result) == ["mod.py", "sub/deep.py"]  # relative to root, not the top level
    assert result.files[0].abs_path == str(root / "pkg" / "mod.py")


def test_nested_repository_is_not_walked(make_repo: MakeRepo, git: Git) -> None:
    root = make_repo({"a.py": "a = 1\n"}, git=True)
    inner = root / "inner"
    inner.mkdir()
    (inner / "b.py").write_text("b = 1\n")
    git(inner, "init", "-q")
    result = walk_repo(root, CFG)
    assert paths(result) == ["a.py"]
    assert result.skipped == {"not_regular": 1}
    assert result.skipped_paths["not_regular"] == ("inner",)


def test_falls_back_to_plain_walk_when_git_is_missing(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_repo({".gitignore": "*.log\n", "a.py": "a = 1\n", "b.log": "b\n"}, git=True)
    monkeypatch.setenv("PATH", str(root / "no-such-bin"))
    with caplog.at_level(logging.WARNING, logger="specpilot.indexer.source.walk"):
        result = walk_repo(root, CFG)
    assert result.git is False
    assert paths(result) == ["a.py"]
    assert "git is not installed" in caplog.text


# --- candidates: plain mode -----------------------------------------------------------


def test_plain_mode_nested_gitignore_and_negation(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            ".gitignore": "*.txt\n!keep.txt\nlogs/\n",
            "a.py": "",
            "notes.txt": "n\n",
            "keep.txt": "k\n",
            "logs/keep.txt": "inside an ignored directory: stays ignored\n",
            "sub/.gitignore": "*.py\n!wanted.py\n",
            "sub/unwanted.py": "",
            "sub/wanted.py": "",
            "sub/notes.txt": "n\n",
            "sub/inner/other.py": "",  # sub/.gitignore applies to its whole subtree
            "other/x.py": "",  # sub/.gitignore does not apply here
        },
        git=False,
    )
    result = walk_repo(root, CFG)
    assert result.git is False
    assert paths(result) == ["a.py", "keep.txt", "other/x.py", "sub/wanted.py"]


def test_plain_mode_output_is_sorted_with_languages(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"z.rs": "fn main() {}\n", "a-b/x.ts": "let x = 1;\n", "a/y.md": "# y\n", "Makefile": ""},
        git=False,
    )
    result = walk_repo(root, CFG)
    assert [(f.path, f.language) for f in result.files] == [
        ("Makefile", "make"),
        ("a-b/x.ts", "typescript"),
        ("a/y.md", "markdown"),
        ("z.rs", "rust"),
    ]
    assert result.files[1].abs_path == str(root / "a-b" / "x.ts")
    assert result.files[1].size == len("let x = 1;\n")


# --- .specpilotignore and skip_dirs, in both modes -------------------------------------


@MODES
def test_specpilotignore_applies(make_repo: MakeRepo, use_git: bool) -> None:
    files: dict[str, str | bytes] = {
        ".specpilotignore": "docs/\n*.sql\n!keep.sql\n",
        "app.py": "",
        "schema.sql": "",
        "keep.sql": "",
        "docs/a.md": "",
        "docs/b.md": "",
    }
    root = make(make_repo, files, use_git)
    result = walk_repo(root, CFG)
    assert result.git is use_git
    assert paths(result) == ["app.py", "keep.sql"]
    assert result.skipped["ignored"] == 2  # the directory once, schema.sql
    assert result.skipped_paths["ignored"] == ("docs/", "schema.sql")


@MODES
def test_skip_dirs_are_counted_once_per_directory(make_repo: MakeRepo, use_git: bool) -> None:
    files: dict[str, str | bytes] = {
        "src/app.js": "export const a = 1;\n",
        "node_modules/left-pad/index.js": "module.exports = 1;\n",
        "node_modules/left-pad/lib/util.js": "module.exports = 2;\n",
        "web/node_modules/x/y.js": "1;\n",
        "dist/app.js": "1;\n",
        "vendor/github.com/x/y.go": "package y\n",
        "pkg.egg-info/PKG-INFO.txt": "Name: pkg\n",
    }
    root = make(make_repo, files, use_git)
    result = walk_repo(root, CFG)
    assert paths(result) == ["src/app.js"]
    assert result.skipped == {"skip_dir": 5}
    assert set(result.skipped_paths["skip_dir"]) == {
        "dist/",
        "node_modules/",
        "pkg.egg-info/",
        "vendor/",
        "web/node_modules/",
    }


# --- generated, minified, binary, too large, unsupported -------------------------------


def test_minified_and_generated_by_name(make_repo: MakeRepo) -> None:
    long_line = "var a=" + "1+" * 800 + "1;\n"  # > 1000 chars on one line
    big_json = '{\n  "a": 1,\n' + '  "k": 2,\n' * 1000 + '  "blob": "' + "x" * 1500 + '"\n}\n'
    root = make_repo(
        {
            "lib/jquery.min.js": "var a=1;\n",
            "lib/app.bundle.js": "var b=1;\n",
            "lib/bundle.js": long_line,
            "lib/wide.css": ("a{color:red;" * 30 + "}\n") * 10,  # ~360 chars/line on average
            "data/big.json": big_json,  # the long line is past the first 8 KiB
            "lib/app.js": "function f() {\n  return 1;\n}\n" * 400,  # > 8 KiB, normal lines
            "api_pb2.py": "x = 1\n",
            "yarn.lock": "",
        },
        git=False,
    )
    assert len(big_json) > 8192
    result = walk_repo(root, CFG)
    assert paths(result) == ["lib/app.js"]
    assert result.skipped == {"generated": 4, "minified": 3}
    assert set(result.skipped_paths["minified"]) == {
        "lib/bundle.js",
        "lib/wide.css",
        "data/big.json",
    }


def test_generated_markers_in_first_lines(make_repo: MakeRepo) -> None:
    late_marker = "".join(f"# line {i}\n" for i in range(20)) + "# DO NOT EDIT below\n"
    root = make_repo(
        {
            "api.go": "// Code generated by protoc-gen-go. DO NOT EDIT.\npackage api\n",
            "schema.py": '"""Models.\n\n@generated by tool\n"""\nX = 1\n',
            "migrations/0001.py": "# Generated by Django 4.2 on 2024-01-01\nfrom x import y\n",
            "handwritten.py": late_marker,
            "tokens.py": '"""Tokens the lexer produces."""\n',
        },
        git=False,
    )
    result = walk_repo(root, CFG)
    assert paths(result) == ["handwritten.py", "tokens.py"]
    assert result.skipped == {"generated": 3}


def test_binary_oversized_and_unsupported(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "ok.py": "x = 1\n",
            "blob.py": b"x = 1\n\x00\x01\x02",
            "logo.png": b"\x89PNG\r\n",
            "huge.py": "x = 1\n" * 100,
            "data.xyz": "text\n",
            "noext": "text\n",
        },
        git=False,
    )
    result = walk_repo(root, WalkConfig(max_file_bytes=500))
    assert paths(result) == ["ok.py"]
    assert result.skipped == {"binary": 2, "too_large": 1, "unsupported": 2}
    assert result.skipped_paths["binary"] == ("blob.py", "logo.png")
    assert result.skipped_paths["too_large"] == ("huge.py",)


def test_unreadable_file_is_counted(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"a.py": "a = 1\n", "b.py": "b = 1\n"}, git=False)
    real_open = open

    def fake_open(path: str, *args: object, **kwargs: object) -> object:
        if str(path).endswith("b.py"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("specpilot.indexer.source.walk.open", fake_open, raising=False)
    result = walk_repo(root, CFG)
    assert paths(result) == ["a.py"]
    assert result.skipped == {"unreadable": 1}


def test_fifo_is_not_regular(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": ""}, git=False)
    os.mkfifo(root / "pipe.py")
    result = walk_repo(root, CFG)
    assert paths(result) == ["a.py"]
    assert result.skipped == {"not_regular": 1}


# --- symlinks -------------------------------------------------------------------------


@MODES
def test_symlinks_outside_root_are_not_followed(
    make_repo: MakeRepo, git: Git, tmp_path: Path, use_git: bool
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("S = 1\n")
    root = make_repo({"a.py": ""}, git=False)
    os.symlink(outside, root / "ext")
    os.symlink(outside / "secret.py", root / "secret.py")
    os.symlink("/etc", root / "etc")
    if use_git:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "links")
    result = walk_repo(root, CFG)
    assert result.git is use_git
    assert paths(result) == ["a.py"]
    assert result.skipped == {"symlink_outside": 3}


@MODES
def test_symlinks_inside_root(make_repo: MakeRepo, git: Git, use_git: bool) -> None:
    root = make_repo(
        {"pkg/mod.py": "m = 1\n", "vendor/real.py": "r = 1\n", "pkg/sub/deep.py": ""}, git=False
    )
    os.symlink("pkg", root / "alias")  # directory inside root: not descended
    os.symlink("pkg/mod.py", root / "dup.py")  # duplicate of an indexed file
    os.symlink("vendor/real.py", root / "real_link.py")  # target not otherwise indexed: followed
    os.symlink("nowhere.py", root / "dangling.py")
    os.symlink("loop_b.py", root / "loop_a.py")  # a cycle between two file links
    os.symlink("loop_a.py", root / "loop_b.py")
    os.symlink("..", root / "pkg" / "up")  # a directory cycle
    if use_git:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "links")
    result = walk_repo(root, CFG)
    assert paths(result) == ["pkg/mod.py", "pkg/sub/deep.py", "real_link.py"]
    followed = result.files[2]
    assert followed.abs_path == str(root / "real_link.py")
    assert (followed.language, followed.size) == ("python", len("r = 1\n"))
    assert result.skipped == {
        "skip_dir": 1,
        "symlink_broken": 3,
        "symlink_dir": 2,
        "symlink_duplicate": 1,
    }
    assert set(result.skipped_paths["symlink_dir"]) == {"alias", "pkg/up"}


def test_two_links_to_one_unindexed_file_index_it_once(make_repo: MakeRepo) -> None:
    root = make_repo({"vendor/real.py": "r = 1\n"}, git=False)
    os.symlink("vendor/real.py", root / "a.py")
    os.symlink("vendor/real.py", root / "b.py")
    result = walk_repo(root, CFG)
    assert paths(result) == ["a.py"]
    assert result.skipped == {"skip_dir": 1, "symlink_duplicate": 1}


# --- root errors, totals, speed -------------------------------------------------------


def test_missing_root_raises(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(RepoPathError, match="does not exist") as info:
        walk_repo(missing, CFG)
    assert str(missing) in str(info.value)


def test_file_as_root_raises(tmp_path: Path) -> None:
    file = tmp_path / "file.py"
    file.write_text("")
    with pytest.raises(RepoPathError, match="is not a directory") as info:
        walk_repo(str(file), CFG)
    assert str(file) in str(info.value)


@MODES
def test_counts_by_reason(make_repo: MakeRepo, use_git: bool) -> None:
    files: dict[str, str | bytes] = {
        ".gitignore": "*.log\n",
        ".specpilotignore": "fixtures/\n",
        "src/a.py": "a = 1\n",
        "src/b.ts": "export const b = 1;\n",
        "README.md": "# r\n",
        "build.log": "ignored by git: not reported\n",
        "fixtures/x.py": "",
        "fixtures/y.py": "",
        "node_modules/m/index.js": "",
        "web/app.min.js": "",
        "web/big.js": "x" * 2000 + "\n",
        "img/logo.png": b"\x89PNG",
        "data.bin.py": b"\x00\x00",
        "notes.xyz": "",
    }
    root = make(make_repo, files, use_git)
    result = walk_repo(root, CFG)
    assert paths(result) == ["README.md", "src/a.py", "src/b.ts"]
    assert result.skipped == {
        "binary": 2,
        "generated": 1,
        "ignored": 1,
        "minified": 1,
        "skip_dir": 1,
        "unsupported": 3,  # .gitignore, .specpilotignore, notes.xyz
    }
    assert sum(result.skipped.values()) == sum(len(v) for v in result.skipped_paths.values())


@MODES
def test_walk_of_300_files_lists_each_once(make_repo: MakeRepo, use_git: bool) -> None:
    """The walk ``bench/micro_bench.py`` times; here only what it finds."""
    files: dict[str, str | bytes] = {
        f"pkg{i % 10}/mod{i}.py": f"def f{i}():\n    return {i}\n" for i in range(300)
    }
    root = make(make_repo, files, use_git)
    result = walk_repo(root, CFG)
    assert len(result.files) == 300
    assert len({f.path for f in result.files}) == 300
