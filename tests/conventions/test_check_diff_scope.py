"""check_diff's scope: only lines the diff adds are judged, file-level rules apply to new files only,
configured limits and weak or undominated conventions are not enforced."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from specpilot.conventions import (
    check_diff,
    check_diff_report,
    profile_for_repo,
)
from tests.conventions.diff_helpers import ProfileOf, new_file, rules

Git = Callable[..., str]


# -- modified files: only added lines count, whichever side the working tree is on -------------
OLD_MODULE = '''"""Legacy helpers."""

from __future__ import annotations


def legacyHelper(a: int) -> int:
    """Return a."""
    return a
'''


ADDED = '''

def newHelper(a: int) -> int:
    """Return a."""
    print(a)
    return a
'''


def _changed_repo(copy_fixture: Callable[..., Path], git: Git) -> tuple[Path, str]:
    root = copy_fixture("py_google", git=True)
    legacy = root / "shop" / "legacy.py"
    legacy.write_text(OLD_MODULE)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "legacy")
    legacy.write_text(OLD_MODULE + ADDED)
    return root, git(root, "diff")


def test_only_added_lines_are_judged(
    copy_fixture: Callable[..., Path], git: Git, profile_of: ProfileOf
) -> None:
    root, diff = _changed_repo(copy_fixture, git)
    report = check_diff_report(profile_of("py_google"), diff, root)
    assert rules(list(report.violations)) == {
        (11, "python.naming.function"),
        (13, "python.logging.output"),
    }  # legacyHelper (line 6) is an old violation, not this diff's
    assert report.files_checked == 1 and report.notes == ()


def test_pre_change_working_tree_gets_the_diff_applied(
    copy_fixture: Callable[..., Path], git: Git, profile_of: ProfileOf
) -> None:
    root, diff = _changed_repo(copy_fixture, git)
    git(root, "checkout", "--", "shop/legacy.py")  # the working tree is back before the change
    report = check_diff_report(profile_of("py_google"), diff, root)
    assert rules(list(report.violations)) == {
        (11, "python.naming.function"),
        (13, "python.logging.output"),
    }
    assert report.notes == ()


def test_without_the_file_only_the_hunks_are_measured(
    copy_fixture: Callable[..., Path], git: Git, profile_of: ProfileOf
) -> None:
    _, diff = _changed_repo(copy_fixture, git)
    report = check_diff_report(profile_of("py_google"), diff, None)
    assert (11, "python.naming.function") in rules(list(report.violations))
    assert len(report.notes) == 1 and "only the diff's hunks" in report.notes[0]


def test_file_level_rules_only_apply_to_new_files(profile_of: ProfileOf) -> None:
    diff = (
        "--- a/shop/old.py\n+++ b/shop/old.py\n@@ -1,2 +1,3 @@\n"
        "+import os\n def keep_it() -> None:\n     pass\n"
    )
    found = check_diff(profile_of("py_google"), diff)
    assert "python.imports.future" not in {v.rule for v in found}


def test_long_lines_against_the_configured_limit(profile_of: ProfileOf) -> None:
    line = "X = " + '"' + "a" * 110 + '"'
    found = check_diff(profile_of("py_google"), new_file("shop/consts.py", line + "\n"))
    long = [v for v in found if v.rule == "python.tooling.line_length"]
    assert len(long) == 1
    assert long[0].message == "Line is 116 characters long; the limit here is 100."
    assert long[0].evidence == "ruff line length = 100 in pyproject.toml:6"


def test_what_is_not_checked(profile_of: ProfileOf) -> None:
    diff = (
        new_file("docs/notes.md", "# Notes\n")
        + "diff --git a/shop/gone.py b/shop/gone.py\ndeleted file mode 100644\n"
        "--- a/shop/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x = 1\n"
        + "diff --git a/logo.png b/logo.png\nBinary files a/logo.png and b/logo.png differ\n"
    )
    report = check_diff_report(profile_of("py_google"), diff)
    assert report.violations == ()
    assert report.skipped == {
        "docs/notes.md": "not code",
        "shop/gone.py": "deleted",
        "logo.png": "binary",
    }


def test_weak_conventions_are_not_enforced(profile_of: ProfileOf) -> None:
    # py_numpy has 3 modules only: its import conventions are weak, so nothing is flagged
    text = "from .stats import mean\n\n\ndef half(values):\n    return mean(values) / 2\n"
    found = check_diff(profile_of("py_numpy"), new_file("numlib/half.py", text))
    assert {v.rule for v in found} == {"python.docs.function"}


def test_avoid_rule_without_a_dominant_one(make_repo: Callable[..., Path]) -> None:
    body = "".join(
        f"def f{i}():\n    try:\n        pass\n    except {'Exception' if i % 4 == 0 else 'KeyError'}:\n"
        "        pass\n\n\n"
        for i in range(20)
    )
    profile = profile_for_repo(make_repo({"pkg/mod.py": body}))
    assert not profile.get("python.errors.except").strong  # type: ignore[union-attr]
    assert profile.get("python.errors.except.avoid-bare").strong  # type: ignore[union-attr]
    text = "def g():\n    try:\n        pass\n    except:\n        pass\n    try:\n        pass\n"
    text += "    except Exception:\n        pass\n"
    found = check_diff(profile, new_file("pkg/new.py", text))
    assert rules(found) == {(4, "python.errors.except.avoid-bare")}
    assert "bare `except:`" in found[0].message
    assert found[0].evidence == "except clauses without bare `except:`: 20/20"


def test_a_configured_limit_the_code_does_not_keep(make_repo: Callable[..., Path]) -> None:
    long = "".join(f"VALUE_{i:02d} = '{'x' * 70}'\n" for i in range(30))  # 85 characters
    short = "".join(f"SHORT_{i:03d} = 1\n" for i in range(100))
    root = make_repo({"setup.cfg": "[flake8]\nmax-line-length = 79\n", "pkg/mod.py": long + short})
    profile = profile_for_repo(root)
    configured = profile.get("python.tooling.line_length")
    assert configured is not None and not configured.strong
    assert configured.evidence == "flake8 line length = 79 in setup.cfg:2; lines within it: 100/130"
    measured = profile.get("python.format.line_length")
    assert measured is not None and measured.strong and measured.value == "88"
    text = "A = '" + "y" * 78 + "'\nB = '" + "z" * 90 + "'\n"  # 84 and 96 characters
    found = check_diff(profile, new_file("pkg/new.py", text))
    assert [(v.line, v.rule) for v in found if "line_length" in v.rule] == [
        (2, "python.format.line_length")
    ]
