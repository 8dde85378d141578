"""``Family``: one measured question and how its answers become conventions.

See ``conventions.families`` for the registry and what the fields mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Family:
    key: str
    category: str
    noun: str  # plural, for evidence: "snake_case functions: 412/415"
    one: str  # singular, for violation messages
    labels: Mapping[str, str]
    values: frozenset[str] | None = None  # None: any variant may be the convention
    compatible: Mapping[str, frozenset[str]] = field(default_factory=dict)
    avoid: frozenset[str] = frozenset()
    avoid_in: Mapping[str, frozenset[str]] = field(default_factory=dict)  # variant -> groups
    checkable: bool = True
    check_values: frozenset[str] | None = None  # conventions ``check`` enforces (None: all)
    statement: str = "{Noun}: {label}."  # dominant convention
    evidence_format: str = "{label} {noun}: {k}/{n}"
    value_statements: Mapping[str, str] = field(default_factory=dict)  # value -> statement
    avoid_statement: str = "Avoid {label}."
    # 60-90 % (conventions.wording): "Functions: mostly snake_case (78 %)."
    mostly_statement: str = "{Title}: mostly {label} ({pct})."

    def label(self, variant: str) -> str:
        return self.labels.get(variant, f"`{variant}`")

    def avoids(self, variant: str, group: str) -> bool:
        """Whether ``variant`` is one this family can advise against in ``group``."""
        return variant in self.avoid and group in self.avoid_in.get(variant, frozenset({group}))

    def enforces(self, value: str) -> bool:
        """Whether ``check`` enforces a strong dominant convention of this value."""
        return self.checkable and (self.check_values is None or value in self.check_values)

    def satisfies(self, variant: str, value: str) -> bool:
        return variant == value or value in self.compatible.get(variant, frozenset())

    def dominant_statement(self, value: str) -> str:
        if value in self.value_statements:
            return self.value_statements[value]
        return self.statement.format(
            label=self.label(value), noun=self.noun, Noun=self.noun[:1].upper() + self.noun[1:]
        )

    def evidence(self, value: str, numerator: int, denominator: int, *, avoid: bool) -> str:
        template = "{noun} without {label}: {k}/{n}" if avoid else self.evidence_format
        return template.format(label=self.label(value), noun=self.noun, k=numerator, n=denominator)
