"""The risk policy of a target repository: a :class:`Policy` model, its defaults and loading.

The policy lives in ``[tool.specpilot.policy]`` of the repo's ``pyproject.toml`` or in
``.specpilot/policy.toml`` (top-level keys); with neither, the defaults apply (see
``docs/policy.md``). Both present is an error. A malformed policy raises :class:`PolicyError`
naming the file, the key and the valid values.

The policy protects itself: ``.specpilot/**``, ``specpilot.toml`` and the ``[tool.specpilot*]``
tables of ``pyproject.toml`` are never writable by the agent and a diff touching them is blocked.
"""

from __future__ import annotations

import hashlib
import logging
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from specpilot.pipeline.core.errors import PolicyError
from specpilot.pipeline.tiers.classify import (
    DEFAULT_KIND_GLOBS,
    LOCKFILE_GLOBS,
    MANIFEST_GLOBS,
    ChangeKind,
    Matcher,
)
from specpilot.pipeline.tiers.earned_policy import EarnedPolicy, EarnedRule
from specpilot.pipeline.tiers.gate_policy import GatePolicy
from specpilot.pipeline.tiers.policy_files import (
    PYPROJECT,
    parse_toml,
    read_policy_text,
    specpilot_ranges,
)

logger = logging.getLogger(__name__)

Tier = Literal[1, 2, 3]
Mode = Literal["suggest", "pr", "auto"]

POLICY_FILE = ".specpilot/policy.toml"
PROTECTED_GLOBS: tuple[str, ...] = (".specpilot/**", "specpilot.toml")

_CODE_EXTS = ("py", "js", "jsx", "ts", "tsx", "go", "java", "kt", "rs", "rb", "php", "cs", "swift")


def _code(*stems: str) -> tuple[str, ...]:
    return tuple(f"*{stem}*.{ext}" for stem in stems for ext in _CODE_EXTS)


DEFAULT_SENSITIVE: dict[str, tuple[str, ...]] = {
    "ci": (
        ".github/workflows/**",
        ".github/actions/**",
        ".github/CODEOWNERS",
        "CODEOWNERS",
        ".gitlab-ci.yml",
        ".gitlab/ci/**",
        ".circleci/**",
        ".buildkite/**",
        ".travis.yml",
        "azure-pipelines.yml",
        "Jenkinsfile",
    ),
    "auth": ("**/auth/**", "**/authn/**", "**/authz/**", "**/oauth/**", *_code("auth", "login")),
    "crypto": ("**/crypto/**", *_code("crypt")),
    "secrets": (
        "**/secrets/**",
        ".env",
        ".env.*",
        "*.pem",
        "*.key",
        "*.p12",
        "*.pfx",
        "id_rsa*",
        *_code("secret", "credential", "password"),
    ),
    "migrations": ("**/migrations/**", "**/alembic/versions/**", "**/db/migrate/**"),
}

DEFAULT_KIND_TIERS: dict[ChangeKind, Tier] = {
    "docs": 1,
    "dependency": 1,
    "tests": 2,
    "config": 2,
    "source": 2,
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PathRule(_Model):
    """Changes to paths matching ``glob`` get at most the autonomy of ``tier``, or are blocked."""

    glob: str = Field(min_length=1)
    tier: Tier | None = None
    blocked: bool = False
    reason: str = ""

    @model_validator(mode="after")
    def _tier_or_blocked(self) -> PathRule:
        if self.tier is None and not self.blocked:
            raise ValueError(f"the path rule for {self.glob!r} needs 'tier = 1|2|3' or 'blocked'")
        return self


class SizeLimits(_Model):
    """More files/lines/bytes than ``auto_*`` (or an added line longer than
    ``auto_max_line_length`` characters) → at least tier 2; more than ``max_*`` → tier 3."""

    auto_max_files: int = Field(default=10, ge=0)
    auto_max_lines: int = Field(default=300, ge=0)
    auto_max_bytes: int = Field(default=64_000, ge=0)  # of added lines
    auto_max_line_length: int = Field(default=2_000, ge=0)
    max_files: int = Field(default=50, ge=0)
    max_lines: int = Field(default=2000, ge=0)
    max_bytes: int = Field(default=1_000_000, ge=0)
    exclude: tuple[str, ...] = LOCKFILE_GLOBS  # lines of these files are not counted

    @model_validator(mode="before")
    @classmethod
    def _clamp_auto(cls, data: Any) -> Any:
        """A lower ``max_*`` lowers an ``auto_*`` limit that was left at its default."""
        if isinstance(data, dict):
            data = dict(data)
            for what in ("files", "lines", "bytes"):
                top, auto = data.get(f"max_{what}"), f"auto_max_{what}"
                if isinstance(top, int) and auto not in data:
                    data[auto] = min(top, cls.model_fields[auto].get_default())
        return data

    @model_validator(mode="after")
    def _ordered(self) -> SizeLimits:
        for what in ("files", "lines", "bytes"):
            if getattr(self, f"auto_max_{what}") > getattr(self, f"max_{what}"):
                raise ValueError(f"auto_max_{what} must not exceed max_{what}")
        return self


class RunLimits(_Model):
    """Like Renovate's prConcurrentLimit / prHourlyLimit; 0 means no limit."""

    pr_concurrent: int = Field(default=10, ge=0)
    prs_per_hour: int = Field(default=5, ge=0)
    runs_per_hour: int = Field(default=20, ge=0)


class MergeSettings(_Model):
    method: Literal["merge", "squash", "rebase"] = "merge"
    require_checks: bool = True  # GitHub: no check configured is not green
    required_checks: tuple[str, ...] = ()  # names that must be present and green
    checks_timeout_s: float = Field(default=1800.0, gt=0)
    poll_interval_s: float = Field(default=15.0, gt=0)
    checks_appear_s: float = Field(default=120.0, ge=0)  # nothing reported by then: "none"
    fallback: Literal["pr", "suggest"] = "pr"  # when a tier-1 merge is refused


class PrSettings(_Model):
    labels: tuple[str, ...] = ("specpilot",)
    tier_label: bool = True  # adds "specpilot:tier-N"
    draft_when_red: bool = True


class PolicyOrigin(_Model):
    """Where the policy came from; set by :func:`load_policy`, never by the policy file."""

    file: str | None = None
    sha256: str | None = None
    pyproject_ranges: tuple[tuple[int, int], ...] = ()  # lines of [tool.specpilot*] tables


class Policy(_Model):
    schema_version: Literal[1] = 1
    kinds: dict[ChangeKind, Tier] = Field(default_factory=lambda: dict(DEFAULT_KIND_TIERS))
    binary_tier: Tier = 2
    paths: tuple[PathRule, ...] = ()
    sensitive: dict[str, tuple[str, ...]] = Field(default_factory=lambda: dict(DEFAULT_SENSITIVE))
    allow_edit: tuple[str, ...] = ()  # sensitive groups the agent may edit (never auto-merged)
    secrets_allowlist: tuple[str, ...] = ()  # user-kept secret-gate allowlist (secret_allowlist)
    sensitive_tier: Literal[2, 3] = 3
    classify: dict[ChangeKind, tuple[str, ...]] = Field(
        default_factory=lambda: dict(DEFAULT_KIND_GLOBS)
    )
    manifests: tuple[str, ...] = MANIFEST_GLOBS
    size: SizeLimits = SizeLimits()
    limits: RunLimits = RunLimits()
    merge: MergeSettings = MergeSettings()
    pr: PrSettings = PrSettings()
    gates: GatePolicy = GatePolicy()  # where a human approves (pipeline/tiers/gate_policy.py)
    earned: EarnedPolicy = EarnedPolicy()  # auto-merge once earned (pipeline/tiers/earned.py)
    origin: PolicyOrigin = PolicyOrigin()

    @model_validator(mode="before")
    @classmethod
    def _merge_defaults(cls, data: Any) -> Any:
        """``kinds``, ``sensitive`` and ``classify`` override the defaults key by key."""
        if isinstance(data, dict):
            data = dict(data)
            for key, default in (
                ("kinds", DEFAULT_KIND_TIERS),
                ("sensitive", DEFAULT_SENSITIVE),
                ("classify", DEFAULT_KIND_GLOBS),
            ):
                if isinstance(data.get(key), dict):
                    data[key] = {**default, **data[key]}
        return data

    @model_validator(mode="after")
    def _known_groups(self) -> Policy:
        unknown = sorted(set(self.allow_edit) - set(self.sensitive))
        if unknown:
            raise ValueError(
                f"allow_edit names unknown sensitive group(s) {', '.join(unknown)}; "
                f"known groups: {', '.join(sorted(self.sensitive))}"
            )
        return self


def load_policy(repo: Path, *, ref: str | None = None) -> Policy:
    """Load the policy of ``repo`` from its work tree, or from commit ``ref`` when given.

    Reading from the base commit (``ref``) keeps a change from loosening its own policy.
    """
    pyproject = read_policy_text(repo, PYPROJECT, ref)
    policy_toml = read_policy_text(repo, POLICY_FILE, ref)
    ranges: tuple[tuple[int, int], ...] = ()
    found: list[tuple[str, str, str, Any]] = []  # (file, where, raw text, table)
    if pyproject is not None:
        ranges = specpilot_ranges(pyproject)
        table = parse_toml(pyproject, PYPROJECT).get("tool", {}).get("specpilot", {})
        if isinstance(table, dict) and "policy" in table:
            where = f"{PYPROJECT} [tool.specpilot.policy]"
            found.append((PYPROJECT, where, pyproject, table["policy"]))
    if policy_toml is not None:
        found.append((POLICY_FILE, POLICY_FILE, policy_toml, parse_toml(policy_toml, POLICY_FILE)))
    if not found:
        logger.info("no policy in %s; using the default policy", repo)
        return Policy(origin=PolicyOrigin(pyproject_ranges=ranges))
    if len(found) > 1:
        raise PolicyError(
            f"{repo} has a policy in both {PYPROJECT} [tool.specpilot.policy] and "
            f"{POLICY_FILE}; keep exactly one."
        )
    file, where, raw, data = found[0]
    if not isinstance(data, dict):
        raise PolicyError(f"The policy in {where} must be a table, not {type(data).__name__}.")
    if "origin" in data:
        raise PolicyError(f"The policy in {where} may not set the reserved key 'origin'.")
    digest = hashlib.sha256(raw.encode()).hexdigest()
    origin = PolicyOrigin(file=file, sha256=digest, pyproject_ranges=ranges)
    try:
        return Policy.model_validate({**data, "origin": origin})
    except ValidationError as err:
        raise _policy_error(where, err) from None


def blocked_write_globs(policy: Policy) -> tuple[str, ...]:
    """Globs the agent's file tools must refuse to write: the policy's own files, sensitive
    groups not in ``allow_edit``, and blocked path rules."""
    sensitive = (
        glob
        for group, globs in policy.sensitive.items()
        if group not in policy.allow_edit
        for glob in globs
    )
    rules = (rule.glob for rule in policy.paths if rule.blocked)
    return (*PROTECTED_GLOBS, *sensitive, *rules)


def write_refusal(
    policy: Policy, path: str, *, old_text: str | None = None, new_text: str | None = None
) -> str | None:
    """Why the agent may not write ``path`` (repo-relative), or ``None`` when it may.

    For ``pyproject.toml`` pass the old and new text: a change to its ``[tool.specpilot*]``
    tables is refused; without the texts the path alone decides (and tiering still blocks a
    diff that touches those tables).
    """
    rel = _normalize(path)
    if rel is None:
        return f"{path!r} is not a relative path inside the repository."
    for glob in blocked_write_globs(policy):
        if Matcher([glob], ignore_case=True)(rel):
            return (
                f"{rel} is protected by the policy (matches {glob!r}); the agent may not edit it."
            )
    if rel == PYPROJECT and old_text is not None and new_text is not None:
        try:
            old = tomllib.loads(old_text).get("tool", {}).get("specpilot")
            new = tomllib.loads(new_text).get("tool", {}).get("specpilot")
        except tomllib.TOMLDecodeError as err:
            return f"{rel} would not be valid TOML after this edit ({err})."
        if old != new:
            return (
                f"{rel}: the [tool.specpilot] tables hold the policy; the agent may not edit them."
            )
    return None


def is_write_allowed(
    policy: Policy, path: str, *, old_text: str | None = None, new_text: str | None = None
) -> bool:
    """True when the agent's file tools may write ``path`` (see :func:`write_refusal`)."""
    return write_refusal(policy, path, old_text=old_text, new_text=new_text) is None


def _normalize(path: str) -> str | None:
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        return None
    return pure.as_posix()


_SUBMODELS: dict[str, type[BaseModel]] = {
    "paths": PathRule,
    "size": SizeLimits,
    "limits": RunLimits,
    "merge": MergeSettings,
    "pr": PrSettings,
    "earned": EarnedPolicy,
}


def _policy_error(where: str, err: ValidationError) -> PolicyError:
    parts = []
    for e in err.errors():
        loc = [str(x) for x in e["loc"]]
        key = ".".join(loc)
        if e["type"] == "extra_forbidden":
            model = _SUBMODELS.get(loc[0], Policy) if len(loc) > 1 else Policy
            if loc[0] == "earned" and len(loc) > 2:
                model = EarnedRule
            valid = sorted(set(model.model_fields) - {"origin", "schema_version"})
            parts.append(f"unknown key '{key}' (valid keys: {', '.join(valid)})")
        else:
            shown = key or "(table)"
            parts.append(f"key '{shown}': {e['msg']} (got {e.get('input')!r})")
    return PolicyError(f"The policy in {where} is invalid: {'; '.join(parts)}.")
