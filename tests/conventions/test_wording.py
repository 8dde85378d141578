"""A convention's wording follows its prevalence: a rule at 90 % and more, "mostly" from 60 %,
"mixed" below (never a rule), "avoid" only for what is rare (under 10 %)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from specpilot.conventions import (
    ConventionsConfig,
    profile_for_repo,
    render_house_rules,
    render_markdown,
)

MakeRepo = Callable[..., Path]


def _functions(make_repo: MakeRepo, sync: int, async_: int) -> Path:
    defs = [f"def load_{i}(key):\n    return key\n" for i in range(sync)]
    defs += [f"async def fetch_{i}(key):\n    return key\n" for i in range(async_)]
    # spread over files of at most 5 functions each
    files: dict[str, str | bytes] = {
        f"pkg/m{n}.py": "\n\n".join(defs[n : n + 5]) for n in range(0, len(defs), 5)
    }
    return make_repo(files)


@pytest.mark.parametrize(
    ("sync", "async_", "statement", "strong"),
    [
        (27, 23, "Functions: mixed (synchronous 54 %, `async` 46 %).", False),  # 46 % async
        (35, 15, "Functions: mostly synchronous (70 %).", False),
        (46, 4, "Code is synchronous (`async` functions are rare).", True),  # 8 % async
    ],
)
def test_async_wording_follows_the_share(
    sync: int, async_: int, statement: str, strong: bool, make_repo: MakeRepo
) -> None:
    profile = profile_for_repo(_functions(make_repo, sync, async_))
    conv = profile.get("python.async.functions")
    assert conv is not None
    assert (conv.statement, conv.strong) == (statement, strong)
    assert statement in render_markdown(profile)
    assert ("rare" in render_house_rules(profile, 2000)) is strong


def test_a_mixed_share_is_no_rule_whatever_the_thresholds(make_repo: MakeRepo) -> None:
    lenient = ConventionsConfig(strong_prevalence=0.5, min_confidence=0.3)
    profile = profile_for_repo(_functions(make_repo, 27, 23), lenient)
    conv = profile.get("python.async.functions")
    assert conv is not None and not conv.strong
    assert "async" not in render_house_rules(profile, 2000)
    mostly = profile_for_repo(_functions(make_repo, 35, 15), lenient)
    conv = mostly.get("python.async.functions")
    assert conv is not None and conv.strong
    assert "- Functions: mostly synchronous (70 %). (35/50)" in render_house_rules(mostly, 2000)


@pytest.mark.parametrize(("bare", "avoided"), [(1, True), (3, False)])
def test_avoid_only_what_is_rare(bare: int, avoided: bool, make_repo: MakeRepo) -> None:
    # 1 bare except in 20 (5 %) is rare: "Avoid bare except"; 3 in 20 (15 %) is not
    clauses = ["    except:\n        pass\n"] * bare + ["    except KeyError:\n        pass\n"] * (
        20 - bare
    )
    body = "".join(f"def f{i}():\n    try:\n        pass\n{c}\n\n" for i, c in enumerate(clauses))
    profile = profile_for_repo(
        make_repo({"pkg/m.py": body}), ConventionsConfig(strong_prevalence=0.8)
    )
    assert (profile.get("python.errors.except.avoid-bare") is not None) is avoided
