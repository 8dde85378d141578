"""How a convention is worded: the sentence follows its prevalence.

A measured share is stated in one of three bands, whatever the thresholds that make a
convention *strong*:

- at least ``ALWAYS`` (90 %): as a rule — "Name functions in snake_case.", "Code is
  synchronous (`async` functions are rare)." (the other variants are then under 10 %);
- at least ``MOSTLY`` (60 %): as a habit with its share — "Functions: mostly snake_case
  (78 %).";
- below: "mixed", with the two commonest variants — "Functions: mixed (synchronous 54 %,
  `async` 46 %)." A mixed convention is never strong: it is no rule to follow.

An *avoid* rule ("Avoid bare `except:`.") exists only while the avoided variant stays under
``RARE`` (10 %).
"""

from __future__ import annotations

from collections.abc import Mapping

from specpilot.conventions.family import Family

ALWAYS = 0.9
MOSTLY = 0.6
RARE = 0.1


def band(share: float) -> str:
    """ "always" | "mostly" | "mixed" for a dominant variant's share of the observations."""
    if share >= ALWAYS:
        return "always"
    return "mostly" if share >= MOSTLY else "mixed"


def title(noun: str) -> str:
    """The noun capitalised for the start of a sentence (``fmt.Errorf`` stays as it is)."""
    head = noun.split(" ", 1)[0]
    return noun if "." in head or "`" in head else noun[:1].upper() + noun[1:]


def percent(k: int, n: int) -> str:
    return f"{round(100 * k / n)} %" if n else "0 %"


def dominant_statement(fam: Family, value: str, k: int, n: int, dist: Mapping[str, int]) -> str:
    """The sentence of a dominant convention: ``value`` holds for ``k`` of ``n`` observations."""
    share = k / n if n else 0.0
    found = band(share)
    if found == "always":
        return fam.dominant_statement(value)
    if found == "mostly":
        return fam.mostly_statement.format(
            Title=title(fam.noun), noun=fam.noun, label=fam.label(value), pct=percent(k, n)
        )
    top = sorted(dist.items(), key=lambda item: (-item[1], item[0]))[:2]
    total = sum(dist.values()) or 1
    shares = ", ".join(f"{fam.label(v)} {percent(c, total)}" for v, c in top)
    return f"{title(fam.noun)}: mixed ({shares})."
