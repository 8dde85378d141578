"""check_diff on the fixture repos, per language: a diff that breaks their conventions is flagged,
one that follows them passes."""

from __future__ import annotations

import pytest

from specpilot.conventions import (
    check_diff,
)
from tests.conventions.diff_helpers import ProfileOf, new_file, rules

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
