"""check_diff on the fixture repos: a diff that breaks their conventions is flagged, one that
follows them passes, and only lines the diff adds are judged."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from specpilot.conventions import (
    ConventionProfile,
    Violation,
    check_diff,
    check_diff_report,
    profile_for_repo,
)

ProfileOf = Callable[[str], ConventionProfile]
Git = Callable[..., str]


def new_file(path: str, text: str) -> str:
    """A `git diff` of a new file."""
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    body = "".join(f"+{line}\n" for line in lines)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}"
    )


def rules(violations: list[Violation]) -> set[tuple[int, str]]:
    return {(v.line, v.rule) for v in violations}


GOOGLE_BAD = """
import os

from .cart import Cart


def applyPromo(cart, code):
    print("applying", code)
    try:
        return os.environ[code]
    except:
        raise ValueError("bad code")


class PromoError(Exception):
    pass
"""

GOOGLE_GOOD = '''
"""Promotions."""

from __future__ import annotations

import logging

from shop.cart import Cart
from shop.errors import ShopError

logger = logging.getLogger(__name__)


class PromoError(ShopError):
    """A promotion cannot be applied."""


def apply_promo(cart: Cart, codes: dict[str, float], code: str) -> float:
    """Apply a promotion code.

    Args:
        cart: The cart.
        codes: Discounts by code.
        code: The code to apply.

    Returns:
        The discount.
    """
    logger.info("applying %s", code)
    try:
        return codes[code] * cart.total_units()
    except KeyError as err:
        raise PromoError(f"unknown code {code}") from err
'''


def test_python_diff_that_breaks_the_conventions(profile_of: ProfileOf) -> None:
    found = check_diff(profile_of("py_google"), new_file("shop/promo.py", GOOGLE_BAD))
    assert rules(found) == {
        (1, "python.imports.future"),
        (3, "python.imports.relative"),
        (6, "python.naming.function"),
        (6, "python.docs.function"),
        (6, "python.types.function"),
        (7, "python.logging.output"),
        (10, "python.errors.except"),
        (11, "python.errors.reraise"),
        (14, "python.errors.exception_base"),
        (14, "python.docs.class"),
    }
    by_rule = {v.rule: v for v in found}
    naming = by_rule["python.naming.function"]
    assert naming.path == "shop/promo.py"
    assert "`applyPromo`" in naming.message and "snake_case" in naming.message
    assert naming.evidence.startswith("snake_case functions: ")
    assert by_rule["python.logging.output"].evidence.startswith(
        "log/output calls via the `logging`"
    )
    assert "`ShopError`" in by_rule["python.errors.exception_base"].message
    assert naming.to_dict() == {
        "path": "shop/promo.py",
        "line": 6,
        "rule": "python.naming.function",
        "message": naming.message,
        "evidence": naming.evidence,
    }


def test_python_diff_that_follows_the_conventions(profile_of: ProfileOf) -> None:
    assert check_diff(profile_of("py_google"), new_file("shop/promo.py", GOOGLE_GOOD)) == []


def test_test_file_against_the_layout(profile_of: ProfileOf) -> None:
    test = "from shop.cart import Cart\n\n\ndef test_cart() -> None:\n    assert Cart()\n"
    bad = check_diff(profile_of("py_google"), new_file("shop/cart_test.py", test))
    assert rules(bad) >= {(1, "python.tests.naming"), (1, "python.tests.layout")}
    good = check_diff(profile_of("py_google"), new_file("tests/test_promo.py", test))
    assert not {v.rule for v in good} & {"python.tests.naming", "python.tests.layout"}


@pytest.mark.parametrize(
    ("repo", "path", "bad", "good", "expected"),
    [
        (
            "py_camel",
            "camelapp/search.py",
            'def find_users(source):\n    """Find users."""\n    return source\n',
            'def findUsers(source):\n    """Find users."""\n    return source\n',
            {(1, "python.naming.function")},
        ),
        (
            "py_numpy",
            "numlib/extra.py",
            'def scale(values):\n    """Scale values.\n\n    Args:\n        values: The values.\n    """\n'
            "    return values\n",
            'def scale(values):\n    """Scale values.\n\n    Parameters\n    ----------\n'
            '    values : list of float\n        The values.\n    """\n    return values\n',
            {(2, "python.docs.style")},
        ),
        (
            "py_print",
            "printy/extra.py",
            "def hello(path):\n    '''Say hello.'''\n    print(\"hello\", path)\n",
            "def hello(path):\n    '''Say hello.'''\n    print('hello', path)\n",
            {(3, "python.format.quotes")},
        ),
    ],
)
def test_other_python_repos(
    repo: str, path: str, bad: str, good: str, expected: set[tuple[int, str]], profile_of: ProfileOf
) -> None:
    assert rules(check_diff(profile_of(repo), new_file(path, bad))) == expected
    assert check_diff(profile_of(repo), new_file(path, good)) == []


JS_BAD = """
import { logger } from './logger'

export function fetch_coupon(id: string): Promise<string> {
  console.log("coupon", id);
  return load(id).then((c) => c)
}

/**
 * Drop a coupon.
 * @param id the coupon id
 */
export async function dropCoupon(id: string): Promise<void> {
  logger.info('dropCoupon', { id })
  throw 'not implemented'
}
"""

JS_GOOD = """
import { NotFoundError } from './errors'
import { logger } from './logger'

/**
 * Fetch a coupon.
 * @param id the coupon id
 * @returns the coupon code
 */
export async function fetchCoupon(id: string): Promise<string> {
  logger.info('fetchCoupon', { id })
  const found = await Promise.resolve(id)
  if (!found) {
    throw new NotFoundError(`no coupon ${id}`)
  }
  return found
}
"""


def test_typescript_diffs(profile_of: ProfileOf) -> None:
    profile = profile_of("js_app")
    found = check_diff(profile, new_file("src/coupons.ts", JS_BAD))
    assert rules(found) == {
        (3, "javascript.naming.function"),
        (3, "javascript.docs.function"),
        (4, "javascript.logging.output"),
        (4, "javascript.tooling.quote_style"),  # Prettier's, from .prettierrc
        (4, "javascript.tooling.semicolons"),
        (5, "javascript.async.style"),
        (14, "javascript.errors.throw"),
    }
    assert check_diff(profile, new_file("src/coupons.ts", JS_GOOD)) == []
    spec = "import { it } from 'vitest'\n\nit('works', () => {})\n"
    assert rules(check_diff(profile, new_file("test/coupons.spec.ts", spec))) == {
        (1, "javascript.tests.naming")
    }
    assert check_diff(profile, new_file("test/coupons.test.ts", spec)) == []


GO_BAD = """
package store

import "fmt"

func (s *Store) Rename(key string) (string, error) {
\tvalue, err := s.load(key)
\tif err != nil {
\t\treturn "", fmt.Errorf("rename %q: %v", key, err)
\t}
\tfmt.Println("renamed", key)
\treturn value, nil
}
"""

GO_GOOD = """
package store

import (
\t"fmt"
\t"log/slog"
)

// Rename renames one key.
func (s *Store) Rename(key string) (string, error) {
\tvalue, err := s.load(key)
\tif err != nil {
\t\treturn "", fmt.Errorf("rename %q: %w", key, err)
\t}
\tslog.Info("rename", "key", key)
\treturn value, nil
}
"""


def test_go_diffs(profile_of: ProfileOf) -> None:
    profile = profile_of("go_svc")
    found = check_diff(profile, new_file("store/rename.go", GO_BAD))
    assert rules(found) == {
        (5, "go.docs.method"),
        (8, "go.errors.wrap"),
        (10, "go.logging.output"),
    }
    assert check_diff(profile, new_file("store/rename.go", GO_GOOD)) == []


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
