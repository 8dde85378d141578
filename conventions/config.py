"""The conventions package's configuration: one frozen dataclass, passed explicitly."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from specpilot.conventions.errors import ConfigError
from specpilot.conventions.scope import EXCLUDE_DIRS, EXCLUDE_FILES


@dataclass(frozen=True, slots=True)
class ConventionsConfig:
    """Thresholds that decide when a measured habit counts as a convention.

    A convention is *strong* (rendered into house rules, enforced by ``check``) when it has
    at least ``min_evidence`` observations, a prevalence of at least ``strong_prevalence``
    and a confidence (the Wilson lower bound of the prevalence) of at least
    ``min_confidence``.
    """

    min_evidence: int = 8  # observations a family needs before it can be a convention
    min_decisive: int = 3  # observations that tell the dominant variant apart (naming)
    strong_prevalence: float = 0.9  # share of the dominant variant for a strong convention
    min_confidence: float = 0.7  # Wilson lower bound (z below) for a strong convention
    wilson_z: float = 1.96  # 95 % interval
    line_coverage: float = 0.995  # measured line limit: the smallest one that many lines fit
    house_rules_tokens: int = 400  # default budget of render_house_rules (tokens = chars / 4)
    max_examples: int = 3  # locations kept per convention (and per variant and file)
    max_exceptions: int = 3  # counter-examples kept per convention
    # files not measured nor checked (conventions.scope): docs, examples, build scripts, ...
    exclude_dirs: tuple[str, ...] = EXCLUDE_DIRS
    exclude_files: tuple[str, ...] = EXCLUDE_FILES

    def __post_init__(self) -> None:
        for name in ("strong_prevalence", "min_confidence", "line_coverage"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ConfigError(
                    f"ConventionsConfig.{name} is {value!r}; use a share in (0, 1], e.g. 0.9."
                )
        for name in ("min_evidence", "min_decisive", "max_examples", "house_rules_tokens"):
            value = getattr(self, name)
            if value < 1:
                raise ConfigError(f"ConventionsConfig.{name} is {value!r}; use an integer >= 1.")
        for name in ("exclude_dirs", "exclude_files"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(isinstance(v, str) and v for v in value):
                raise ConfigError(
                    f"ConventionsConfig.{name} is {value!r}; use a tuple of non-empty names, "
                    'e.g. ("docs", "examples").'
                )
        if self.max_exceptions < 0 or self.wilson_z <= 0:
            raise ConfigError(
                "ConventionsConfig.max_exceptions must be >= 0 and wilson_z > 0; "
                f"got {self.max_exceptions!r} and {self.wilson_z!r}."
            )

    def digest(self) -> str:
        """A short hash of the values that shape a profile (part of the stored inputs digest)."""
        data = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha1(data).hexdigest()[:12]
