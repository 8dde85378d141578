"""Hostile input from outside the CLI: each gets one line on stderr and exit 2, or is indexed.

Specs (a YAML alias bomb, deep nesting, huge front matter), config values that loop or make
no sense, config files that are not UTF-8 or not tables, index locations that are files or
read-only, and source nested 400 deep. Hangs have a hard timeout (``cli_checks.run_cli``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specpilot.flows.commands import app
from tests.cli_checks import HASH, assert_one_line_error, run_cli

CODE = {
    "app/util.py": "import os\n\nLIMIT = 3\nprint(os.sep)\n\n\ndef helper(x):\n    return x + 1\n",
    "README.md": "# app\n\nA tiny app.\n",
}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("SPECPILOT_HOME", str(path))
    return path


@pytest.fixture
def runner(home: Path) -> CliRunner:
    return CliRunner()


# -- specs --------------------------------------------------------------------------------

# 341 bytes of front matter that expand to 9**9 list items when aliases are followed
BOMB = (
    "---\n"
    "title: bomb\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{k}: &{k} [{','.join([f'*{p}'] * 9)}]\n"
        for p, k in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "---\nbody\n"
)


@pytest.mark.timeout(60)
def test_a_yaml_alias_bomb_in_a_spec_is_refused_at_once(tmp_path: Path) -> None:
    # before: the front matter walk followed every alias — 2.4 GB in 30 s and counting
    spec = tmp_path / "bomb.md"
    spec.write_text(BOMB, encoding="utf-8")
    assert len(BOMB.encode()) < 400
    done = run_cli(["run", str(spec), "--repo", str(tmp_path / "no-repo")], timeout=30)
    assert_one_line_error(done, "bomb.md:4", "alias")


@pytest.mark.parametrize(
    ("front", "needles"),
    [
        ("title: deep\nacceptance: " + "[" * 3000 + "]" * 3000 + "\n", ("nested", "levels")),
        ("title: big\nacceptance:\n" + "  - x\n" * 40_000, ("front matter", "KiB")),
        ("title: &t anchored\nbase: *t\n", ("alias",)),
    ],
    ids=["nested-3000-deep", "front-matter-240KB", "plain-alias"],
)
def test_hostile_front_matter_is_a_one_line_error(
    runner: CliRunner, tmp_path: Path, front: str, needles: tuple[str, ...]
) -> None:
    # before: RecursionError traceback / accepted 240 KB / accepted the alias
    spec = tmp_path / "spec.md"
    spec.write_text(f"---\n{front}---\nbody\n", encoding="utf-8")
    result = runner.invoke(app, ["run", str(spec), "--repo", str(tmp_path / "no-repo")])
    assert_one_line_error(result, "spec.md", *needles)


# -- config values ------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_chunk_max_lines_zero_is_refused_not_looped(make_repo, home: Path) -> None:
    # before: module code was cut into parts of max_lines - 1 = -1 lines: a loop forever
    repo = make_repo(CODE)
    done = run_cli(
        ["index", str(repo), *HASH, "--set", "index.chunk.max_lines=0"],
        timeout=30,
        env={"SPECPILOT_HOME": str(home)},
    )
    assert_one_line_error(done, "index.chunk.max_lines is 0", "1 or more")


@pytest.mark.parametrize(
    ("key", "value", "valid"),
    [
        ("index.chunk.max_lines", "-5", "1 or more"),
        ("index.chunk.merge_below_lines", "-1", "0 or more"),
        ("index.chunk.text_window_lines", "0", "1 or more"),
        ("index.chunk.text_window_overlap", "-1", "0 or more"),
        ("index.chunk.text_window_overlap", "40", "less than index.chunk.text_window_lines"),
        ("index.embed.batch_size", "0", "1 or more"),
        ("index.embed.max_seq_length", "0", "1 or more"),
        ("index.embed.support_max_seq_length", "-1", "1 or more"),
        ("index.walk.max_file_bytes", "0", "1 or more"),
        ("index.walk.minified_line_chars", "0", "1 or more"),
    ],
)
def test_numeric_config_values_out_of_range_are_refused(
    runner: CliRunner, make_repo, key: str, value: str, valid: str
) -> None:
    # before: each was accepted; the run indexed nothing, everything, or per-line windows
    repo = make_repo(CODE)
    result = runner.invoke(app, ["index", str(repo), *HASH, "--set", f"{key}={value}"])
    assert_one_line_error(result, f"{key} is {value}", valid)


# -- config files -------------------------------------------------------------------------

NOT_UTF8 = "[tool.specpilot]\n# caf\xe9\n".encode("latin-1")
NESTED_TOML = b"a = " + b"[" * 3000 + b"]" * 3000 + b"\n"


@pytest.mark.parametrize(
    ("name", "content", "needles"),
    [
        ("pyproject.toml", NOT_UTF8, ("pyproject.toml", "UTF-8")),
        ("specpilot.toml", b"db = '\xff\xfe'\n", ("specpilot.toml", "UTF-8")),
        ("pyproject.toml", b"[tool]\nspecpilot = 3\n", ("[tool.specpilot]", "table", "3")),
        ("pyproject.toml", b"tool = 3\n", ("[tool]", "table")),
        ("pyproject.toml", NESTED_TOML, ("pyproject.toml", "nested")),
    ],
    ids=["pyproject-latin1", "specpilot-toml-bytes", "tool-specpilot-3", "tool-3", "nested"],
)
def test_broken_config_files_are_one_line_errors(
    runner: CliRunner, make_repo, name: str, content: bytes, needles: tuple[str, ...]
) -> None:
    # before: UnicodeDecodeError / TypeError / AttributeError / RecursionError tracebacks
    repo = make_repo({**CODE, name: content})
    for args in (["index", str(repo), *HASH], ["status", "--repo", str(repo)]):
        assert_one_line_error(runner.invoke(app, args), *needles)


DIFF = (
    "diff --git a/app/util.py b/app/util.py\n--- a/app/util.py\n+++ b/app/util.py\n"
    "@@ -1,1 +1,1 @@\n-import os\n+import sys\n"
)


@pytest.mark.parametrize(
    ("file", "content", "needles"),
    [
        (".specpilot/policy.toml", NOT_UTF8, ("policy.toml", "UTF-8")),
        (".specpilot/policy.toml", NESTED_TOML, ("policy.toml", "nested")),
        ("pyproject.toml", b"tool = 3\n", ("[tool]", "pyproject.toml", "table")),
    ],
    ids=["latin1", "nested", "tool-3"],
)
@pytest.mark.parametrize("at_ref", [False, True], ids=["worktree", "at-ref"])
def test_a_broken_policy_file_is_a_one_line_error(
    runner: CliRunner,
    make_repo,
    tmp_path: Path,
    file: str,
    content: bytes,
    needles: tuple[str, ...],
    at_ref: bool,
) -> None:
    # before: UnicodeDecodeError (read_text, or git show's text decoding), RecursionError,
    # AttributeError ('int' object has no attribute 'get') tracebacks
    repo = make_repo({**CODE, file: content}, git=True)
    if at_ref:  # the committed file is broken, the work tree's is fine
        (repo / file).write_text("", encoding="utf-8")
    diff = tmp_path / "change.diff"
    diff.write_text(DIFF, encoding="utf-8")
    args = ["policy", "explain", "--diff", str(diff), "--repo", str(repo)]
    result = runner.invoke(app, [*args, *(["--ref", "HEAD"] if at_ref else [])])
    assert_one_line_error(result, *needles)


# -- index locations ----------------------------------------------------------------------


def test_an_index_location_that_is_a_file_is_a_one_line_error(
    runner: CliRunner, make_repo, tmp_path: Path
) -> None:
    # before: FileExistsError traceback (index), exit 1 "cannot open" (search, status)
    repo = make_repo(CODE)
    file = tmp_path / "not-a-dir"
    file.write_text("x", encoding="utf-8")
    for db in (file, file / "db"):
        for args in (
            ["index", str(repo), *HASH],
            ["search", "helper", "--repo", str(repo), *HASH],
            ["status", "--repo", str(repo)],
        ):
            line = assert_one_line_error(runner.invoke(app, [*args, "--db", str(db)]), str(file))
            assert "is a file" in line and "--db" in line


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap for a read-only mount")
@pytest.mark.parametrize("where", ["index-dir", "parent-dir"])
def test_a_read_only_index_location_is_a_one_line_error(
    runner: CliRunner, make_repo, tmp_path: Path, home: Path, where: str
) -> None:
    # before: a lance RuntimeError / OSError traceback. A read-only filesystem (not chmod:
    # the tests may run as root) via a bubblewrap bind mount.
    repo = make_repo(CODE)
    parent = tmp_path / "indexes"
    db = parent / "db"
    assert runner.invoke(app, ["index", str(repo), *HASH, "--db", str(db)]).exit_code == 0
    (repo / "app/new.py").write_text("def added():\n    return 2\n", encoding="utf-8")
    ro = db if where == "index-dir" else parent
    bwrap = ["bwrap", "--dev-bind", "/", "/", "--ro-bind", str(ro), str(ro), "--"]
    env = {"SPECPILOT_HOME": str(home)}
    done = run_cli(["index", str(repo), *HASH, "--db", str(db)], prefix=bwrap, env=env)
    line = assert_one_line_error(done, str(ro))
    assert "read-only" in line or "not writable" in line
    # reading a read-only index still works
    found = run_cli(["search", "helper", "--repo", str(repo), "--db", str(db), *HASH], prefix=bwrap)
    assert found.code == 0 and "helper" in found.stdout, found.stderr


# -- source nested hundreds deep ---------------------------------------------------------

DEEP = 400
NESTED = {  # file -> (source, a symbol defined inside or after the nesting: a chunk's name)
    "deep/classes.py": (
        "".join("  " * i + f"class C{i}:\n" for i in range(DEEP))
        + "  " * DEEP
        + "def innermost(self):\n"
        + "  " * (DEEP + 1)
        + "return 1\n",
        "innermost",
    ),
    "deep/functions.js": (
        "".join(f"function f{i}() {{\n" for i in range(1000)) + "}\n" * 1000,
        "f0",
    ),
    "deep/brackets.js": (
        "const x = " + "[\n" * 3000 + "1" + "]\n" * 3000 + ";\nfunction afterBrackets() {}\n",
        "afterBrackets",
    ),
    "deep/uses.rs": (
        "use a::" + "{b::" * 1000 + "c" + "}" * 1000 + ";\nfn after_uses() {}\n",
        "after_uses",
    ),
}


@pytest.mark.parametrize("path", sorted(NESTED))
def test_source_nested_hundreds_deep_is_indexed_and_searchable(
    runner: CliRunner, make_repo, path: str
) -> None:
    # before: a RecursionError in the chunker (classes.py) or the Rust use-tree walk
    # (uses.rs) aborted the whole index with a traceback
    source, symbol = NESTED[path]
    repo = make_repo({path: source, "ok.py": "def plain_function():\n    return 1\n"})
    result = runner.invoke(app, ["index", str(repo), *HASH, "--json"])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    summary = json.loads(result.stdout)
    assert summary["files"] == 2 and summary["skipped"] == {}, summary
    found = runner.invoke(app, ["search", symbol, "--repo", str(repo), *HASH, "--json"])
    assert found.exit_code == 0, found.output
    names = {h["symbol"].rsplit(".", 1)[-1] for h in json.loads(found.stdout)}
    assert symbol in names, names


@pytest.fixture
def deep_tree() -> Iterator[Path]:
    """A repo outside pytest's tmp_path, removed with ``rm -rf``: pytest's own clean-up
    (``shutil.rmtree``) recurses once per level and would crash on a tree left behind."""
    repo = Path(tempfile.mkdtemp(prefix="specpilot-deep-"))
    try:
        yield repo
    finally:
        subprocess.run(["rm", "-rf", str(repo)], check=False, timeout=60)


def test_directories_nested_1100_deep_are_walked(runner: CliRunner, deep_tree: Path) -> None:
    # before: the plain-directory walk recursed once per level: a RecursionError traceback
    (deep_tree / "top.py").write_text("def top():\n    return 1\n", encoding="utf-8")
    deep = deep_tree
    for _ in range(1100):  # 2,200 characters: a legal path (mkdir(parents=True) recurses)
        deep = deep / "d"
        deep.mkdir()
    (deep / "bottom.py").write_text("def bottom():\n    return 2\n", encoding="utf-8")
    result = runner.invoke(app, ["index", str(deep_tree), *HASH, "--json"])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert json.loads(result.stdout)["files"] == 2
