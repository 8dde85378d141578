"""Aggregation: per-file ``FileFacts`` → a ``ConventionProfile``.

Per language group and family, the distribution of variants becomes (see
``conventions.families``) a *dominant* convention and *avoid* rules; two families are
aggregated their own way: ``format.line_length`` (a *limit*: the smallest usual limit that
``line_coverage`` of the lines respect, provided some lines come within 8 characters of it)
and ``errors.exception_base`` (the root class most custom exceptions derive from, warnings
left out). Tooling settings become *setting* conventions (``conventions.tooling.rules``); a
formatter's value written in its config wins, any other configured value the code does not
keep is reported but not strong (``conventions.held``).

Prevalence is numerator/denominator; confidence is its Wilson lower bound. A convention is
strong when it has ``min_evidence`` observations, ``strong_prevalence`` and
``min_confidence`` (and, for a dominant variant, ``min_decisive`` observations of it).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from specpilot.conventions.config import ConventionsConfig
from specpilot.conventions.families import CATEGORY_ORDER, FAMILIES
from specpilot.conventions.family import Family
from specpilot.conventions.measures.formatting import LIMITS
from specpilot.conventions.measures.syntax import language_group
from specpilot.conventions.scope import in_scope
from specpilot.conventions.stats import wilson_lower
from specpilot.conventions.tooling.held import held_to, line_lengths
from specpilot.conventions.tooling.rules import tooling_conventions
from specpilot.conventions.types import (
    Convention,
    ConventionProfile,
    FileFacts,
    Item,
    Setting,
    split_key,
)
from specpilot.conventions.wording import RARE, band, dominant_statement

log = logging.getLogger(__name__)

_KIND_ORDER = {"setting": 0, "limit": 1, "dominant": 2, "avoid": 3}
_NEAR = 8  # a limit is "reached" when lines come within this many characters of it


@dataclass(slots=True)
class _Group:
    files: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)  # key -> "path:line"
    items: list[tuple[str, Item]] = field(default_factory=list)


def build_profile(
    facts: Iterable[FileFacts], config: ConventionsConfig | None = None
) -> ConventionProfile:
    """Aggregate the facts of every file of a repo into its profile (deterministic)."""
    cfg = config or ConventionsConfig()
    groups: dict[str, _Group] = {}
    settings: list[tuple[str, Setting]] = []
    for f in sorted(facts, key=lambda f: f.path):
        settings.extend((f.path, s) for s in f.settings)
        name = language_group(f.language)
        if name is None or not in_scope(f.path, cfg.exclude_dirs, cfg.exclude_files):
            continue
        group = groups.setdefault(name, _Group())
        group.files += 1
        group.counts.update(f.counts)
        for key, lines in f.examples.items():
            kept = group.examples.setdefault(key, [])
            if lines and len(kept) < cfg.max_examples:
                kept.append(f"{f.path}:{lines[0]}")  # one per file: examples from many files
        group.items.extend((f.path, item) for item in f.items)
    order = sorted(groups, key=lambda g: (-groups[g].files, g))
    conventions: list[Convention] = []
    for name in order:
        conventions.extend(_group_conventions(name, groups[name], cfg))

    def hold(conv: Convention) -> Convention:
        group = groups.get(conv.language)
        return held_to(conv, group.counts, cfg) if group is not None else conv

    conventions.extend(tooling_conventions(settings, order, hold))
    rank = {g: i for i, g in enumerate(order)}
    conventions.sort(
        key=lambda c: (
            rank.get(c.language, len(rank)),
            c.language,
            CATEGORY_ORDER.index(c.category) if c.category in CATEGORY_ORDER else 99,
            _KIND_ORDER.get(c.kind, 9),
            c.id,
        )
    )
    return ConventionProfile(
        files={g: groups[g].files for g in order},
        conventions=conventions,
        exclude_dirs=list(cfg.exclude_dirs),
        exclude_files=list(cfg.exclude_files),
    )


def _group_conventions(name: str, group: _Group, cfg: ConventionsConfig) -> list[Convention]:
    by_family: dict[str, dict[str, int]] = {}
    for key, count in group.counts.items():
        family_key, variant = split_key(key)
        by_family.setdefault(family_key, {})[variant] = count
    out: list[Convention] = []
    for key in sorted(by_family):
        fam = FAMILIES.get(key)
        if fam is None:
            log.debug("facts of an unknown family %r are ignored", key)
            continue
        dist = by_family[key]
        if key == "format.line_length":
            out.extend(_line_limit(name, fam, dist, group, cfg))
        elif key == "errors.exception_base":
            out.extend(_exception_root(name, fam, group, cfg))
        else:
            out.extend(_family_conventions(name, fam, dist, group, cfg))
    return out


def _examples(group: _Group, fam: Family, variants: Iterable[str], limit: int) -> list[str]:
    found: list[str] = []
    for variant in sorted(variants):
        found.extend(group.examples.get(f"{fam.key}={variant}", ()))
    return sorted(found)[:limit]


def _make(
    name: str,
    fam: Family,
    cfg: ConventionsConfig,
    *,
    value: str,
    kind: str,
    k: int,
    n: int,
    dist: dict[str, int],
    examples: list[str],
    exceptions: list[str],
    decisive: int | None = None,
) -> Convention:
    confidence = wilson_lower(k, n, cfg.wilson_z)
    strong = (
        n >= cfg.min_evidence
        and k / n >= cfg.strong_prevalence
        and band(k / n) != "mixed"  # whatever the thresholds: a split habit is no rule
        and confidence >= cfg.min_confidence
        and (decisive is None or decisive >= cfg.min_decisive)
    )
    avoid = kind == "avoid"
    if avoid:
        statement = fam.avoid_statement.format(label=fam.label(value))
    elif kind == "limit":
        statement = fam.statement.format(label=value)
    else:
        statement = dominant_statement(fam, value, k, n, dist)
    suffix = f"avoid-{value}" if avoid else ""
    evidence = (
        f"lines within {value} characters: {k}/{n}"
        if kind == "limit"
        else fam.evidence(value, k, n, avoid=avoid)
    )
    return Convention(
        id=".".join(p for p in (name, fam.key, suffix) if p),
        language=name,
        category=fam.category,
        rule=fam.key,
        value=value,
        kind=kind,
        statement=statement,
        evidence=evidence,
        numerator=k,
        denominator=n,
        prevalence=round(k / n, 4),
        confidence=round(confidence, 4),
        strong=strong,
        examples=examples,
        exceptions=exceptions,
        variants=dict(sorted(dist.items())),
    )


def _family_conventions(
    name: str, fam: Family, dist: dict[str, int], group: _Group, cfg: ConventionsConfig
) -> list[Convention]:
    n = sum(dist.values())
    out: list[Convention] = []
    candidates = [v for v in dist if fam.values is None or v in fam.values]
    value = ""
    if candidates:

        def support(c: str) -> int:
            return sum(count for v, count in dist.items() if fam.satisfies(v, c))

        value = max(candidates, key=lambda c: (dist[c], support(c), c))
        k = support(value)
        follow = [v for v in dist if fam.satisfies(v, value)]
        other = [v for v in dist if not fam.satisfies(v, value)]
        out.append(
            _make(
                name,
                fam,
                cfg,
                value=value,
                kind="dominant",
                k=k,
                n=n,
                dist=dist,
                examples=_examples(group, fam, follow, cfg.max_examples),
                exceptions=_examples(group, fam, other, cfg.max_exceptions),
                decisive=dist[value],
            )
        )
    for variant in sorted(fam.avoid):
        if variant == value or not fam.avoids(variant, name):
            continue
        k = n - dist.get(variant, 0)
        if n < cfg.min_evidence or k / n < cfg.strong_prevalence or (n - k) / n >= RARE:
            continue  # "avoid X" only while X is rare
        others = [v for v in dist if v != variant]
        out.append(
            _make(
                name,
                fam,
                cfg,
                value=variant,
                kind="avoid",
                k=k,
                n=n,
                dist=dist,
                examples=_examples(group, fam, others, cfg.max_examples),
                exceptions=_examples(group, fam, [variant], cfg.max_exceptions),
            )
        )
    return out


def _line_limit(
    name: str, fam: Family, dist: dict[str, int], group: _Group, cfg: ConventionsConfig
) -> list[Convention]:
    lengths = line_lengths(dist)
    n = sum(lengths.values())
    for limit in LIMITS:
        k = sum(c for length, c in lengths.items() if length <= limit)
        near = sum(c for length, c in lengths.items() if limit - _NEAR < length <= limit)
        if n and k / n >= cfg.line_coverage:
            if not near:
                return []  # the lines are short, not kept within a limit
            longer = [v for v in dist if v != "short" and (v == "long" or int(v) > limit)]
            return [
                _make(
                    name,
                    fam,
                    cfg,
                    value=str(limit),
                    kind="limit",
                    k=k,
                    n=n,
                    dist={},
                    examples=[],
                    exceptions=_examples(group, fam, longer, cfg.max_exceptions),
                )
            ]
    return []


def _exception_root(
    name: str, fam: Family, group: _Group, cfg: ConventionsConfig
) -> list[Convention]:
    classes: dict[str, tuple[str, str]] = {}  # class -> (base, "path:line")
    for path, item in group.items:
        if item.family == fam.key and not item.subject.endswith("Warning"):
            if item.variant.endswith("Warning"):
                continue
            classes.setdefault(item.subject, (item.variant, f"{path}:{item.line}"))
    if not classes:
        return []

    def root(cls: str) -> str:
        seen = {cls}
        while classes[cls][0] in classes and classes[cls][0] not in seen:
            cls = classes[cls][0]
            seen.add(cls)
        return cls

    roots = {cls: root(cls) for cls in classes}
    counts = Counter(roots.values())
    value, k = max(counts.items(), key=lambda item: (item[1], item[0]))
    inside = sorted(classes[c][1] for c in classes if roots[c] == value)
    outside = sorted(classes[c][1] for c in classes if roots[c] != value)
    dist = dict(sorted(counts.items()))
    return [
        _make(
            name,
            fam,
            cfg,
            value=value,
            kind="dominant",
            k=k,
            n=len(classes),
            dist=dist,
            examples=inside[: cfg.max_examples],
            exceptions=outside[: cfg.max_exceptions],
            decisive=k - 1,  # the root itself does not show a hierarchy
        )
    ]
