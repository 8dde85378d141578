"""Do the spec's acceptance criteria have a test? A check on the change, not on the model's word.

Small models say "added tests for the acceptance criteria" when the diff has none. A change
is held to its spec's acceptance criteria only by a test, so a green change whose diff
touches no test file while the spec lists criteria is reported — in the record
(``acceptance_tested: false``), its warnings and ``report.md`` — and, with
``pipeline.require_acceptance_tests``, not committed at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from specpilot.pipeline.run.spec import Spec

TEST_FILE = re.compile(
    r"(^|/)(tests?/|__tests__/|test_[^/]*$|[^/]*_test\.\w+$|[^/]*\.(test|spec)\.\w+$)"
)


def is_test_file(path: str) -> bool:
    return bool(TEST_FILE.search(path))


def acceptance_tested(spec: Spec, changed: Sequence[str]) -> bool | None:
    """Whether the change touches a test; None when the spec has no criteria or nothing
    changed."""
    if not spec.acceptance or not changed:
        return None
    return any(is_test_file(p) for p in changed)


def acceptance_gap(spec: Spec, changed: Sequence[str]) -> str | None:
    """The warning for a change that leaves the spec's acceptance criteria without a test."""
    if acceptance_tested(spec, changed) is not False:
        return None
    count = len(spec.acceptance)
    return (
        f"No test covers the spec's {count} acceptance criteri{'on' if count == 1 else 'a'}: "
        f"the change touches no test file ({', '.join(changed)})."
    )
