"""The pipeline's configuration: one frozen dataclass, built by the composition root (flows/).

Nothing here reads files or the environment; the CLI loads ``[tool.specpilot.pipeline]`` and
passes a ``PipelineConfig`` explicitly.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from specpilot.pipeline.core.errors import ConfigError

# How far a run may go: suggest (read-only), pr (at most a PR), auto (tier 1 merges itself)
RunMode = Literal["suggest", "pr", "auto"]
MODES: tuple[RunMode, ...] = get_args(RunMode)

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The test sandbox protects the user's machine from the repository's tests, so the
# repository's own [tool.specpilot] may not loosen it: only the user (command line, their
# own config) sets these. (``require_sandbox`` only tightens it and stays open to both.)
SANDBOX_USER_ONLY_FIELDS = (
    "sandbox",
    "sandbox_filesystem",
    "sandbox_env_passthrough",
    "sandbox_readonly_paths",
    "sandbox_output_bytes",
    "sandbox_kill_output_bytes",
    "sandbox_tmp_bytes",
)


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """US dollars per million tokens of each kind."""

    input_per_mtok: float
    output_per_mtok: float
    cache_read_per_mtok: float
    cache_write_per_mtok: float


# List prices (USD per MTok; cache write = 5-minute TTL) as last checked; verify them against
# Anthropic's pricing page when adding a model. A model missing here has its cost reported as
# unknown (never as 0) and cannot be held to max_cost_usd.
DEFAULT_PRICES: Mapping[str, ModelPrice] = MappingProxyType(
    {
        "claude-opus-4-6": ModelPrice(5.0, 25.0, 0.50, 6.25),
        "claude-opus-4-5": ModelPrice(5.0, 25.0, 0.50, 6.25),
        "claude-opus-4-1": ModelPrice(15.0, 75.0, 1.50, 18.75),
        "claude-sonnet-4-6": ModelPrice(3.0, 15.0, 0.30, 3.75),
        "claude-sonnet-4-5": ModelPrice(3.0, 15.0, 0.30, 3.75),
        "claude-haiku-4-5": ModelPrice(1.0, 5.0, 0.10, 1.25),
    }
)


AUTH_MODES = ("auto", "api_key", "auth_token", "none")


def _default_prices() -> dict[str, ModelPrice]:
    return dict(DEFAULT_PRICES)


_URL = re.compile(r"^https?://[^\s/]+")


@dataclass(frozen=True, slots=True)
class DepsConfig:
    """Where ``specpilot deps`` and the supply-chain guard look packages and advisories up
    (``[tool.specpilot.deps]``). No credential goes to these URLs, so a repository may set
    them (a mirror, a private index, or a loopback fake in tests)."""

    index_url: str = "https://pypi.org"  # PyPI JSON API: GET {index_url}/pypi/<name>/json
    npm_url: str = "https://registry.npmjs.org"  # GET {npm_url}/<name>
    go_proxy_url: str = "https://proxy.golang.org"  # GET {go_proxy_url}/<module>/@v/list
    crates_url: str = "https://crates.io"  # GET {crates_url}/api/v1/crates/<name>
    osv_url: str = "https://api.osv.dev"  # POST {osv_url}/v1/querybatch, GET /v1/vulns/<id>
    timeout_s: float = 10.0  # one index or advisory request
    # the supply-chain guard asks the index whether each dependency a change adds exists
    check_new_on_index: bool = True

    def __post_init__(self) -> None:
        for name in ("index_url", "npm_url", "go_proxy_url", "crates_url", "osv_url"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _URL.match(value):
                raise ConfigError(
                    f"DepsConfig.{name} {value!r} is not an http(s) URL; use e.g. "
                    "'https://pypi.org'."
                )
        if self.timeout_s <= 0:
            raise ConfigError(
                f"DepsConfig.timeout_s must be greater than 0, not {self.timeout_s!r}."
            )


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """Settings for one run of the spec pipeline. Every limit is per run."""

    # --- model -------------------------------------------------------------------------
    model: str = "claude-sonnet-4-6"  # Messages API model name
    max_tokens: int = 8192  # output tokens per model response
    # seconds one Messages API request may take (a small model on a busy CPU needs 600+)
    request_timeout_s: float = 120.0
    connect_timeout_s: float = 10.0  # to open the connection (a server that is not up)
    max_retries: int = 2  # retries on 408/409/429/5xx and connection errors (SDK policy)
    base_url: str | None = None  # None: the SDK default (or ANTHROPIC_BASE_URL)
    # which credential goes to the server: "auto" (ANTHROPIC_API_KEY, else
    # ANTHROPIC_AUTH_TOKEN, else none when base_url names a server of your own), "api_key",
    # "auth_token", or "none" (a local server; no credential is sent even when one is set)
    auth: str = "auto"
    temperature: float | None = None  # None: the server's own default; 0 for repeatable runs
    # the model's context window in tokens: every request (input + max_tokens) is packed to
    # fit it (small local models have 8-32k); tokens are estimated as chars / chars_per_token
    context_window: int = 200_000
    chars_per_token: float = 3.0
    # replies cut off at max_tokens in a row that are answered with "not run, ask again"
    # before the stage gives up (their tool calls are never run)
    max_cut_off_retries: int = 2
    prices: Mapping[str, ModelPrice] = field(default_factory=_default_prices)

    # --- budget (hitting one stops the run cleanly) -------------------------------------
    max_total_tokens: int = 2_000_000  # input + output + cache read + cache write
    max_cost_usd: float = 10.0  # not enforceable when the model's price is unknown
    max_tool_steps: int = 80  # tool calls over the whole run
    max_wall_time_s: float = 1800.0

    # --- code / repair ------------------------------------------------------------------
    max_repair_rounds: int = 2  # code-loop rounds after the first failing test run
    max_idle_turns: int = 2  # model turns without a tool call before the loop gives up
    # a green change whose diff touches no test while the spec has acceptance criteria is
    # reported ("no test covers them"); True: it is not committed (the run stops instead)
    require_acceptance_tests: bool = False
    # a run that cannot finish (tests still red, budget, the model gave up) hands over: a
    # draft PR labelled needs-human, or ESCALATED.md in the run dir (pipeline/deliver/escalate);
    # on by default since tests/pipeline/test_escalate_e2e.py runs it end to end
    escalate: bool = True
    # --- human gates (pipeline/run/gates.py; the repo policy's gates table adds its own) ---
    # gates asked at every tier in pr and auto mode: "plan" (before any code is written),
    # "merge" (before a PR is opened or a merge is made); ``--gate`` adds more for one run
    gates: tuple[str, ...] = ()
    gate_poll_s: float = 10.0  # how often a flow run waiting at a gate checks for the answer
    read_max_lines: int = 400  # lines returned by one read_file call
    tool_output_chars: int = 12_000  # cap on one tool result sent to the model
    blocked_paths: tuple[str, ...] = ()  # gitignore-style globs the agent may not write

    # --- tests --------------------------------------------------------------------------
    test_command: str | None = None  # overrides detection; the spec's test_command wins
    test_timeout_s: float = 600.0
    # a green Python change: its tests run once more under coverage.py in the same sandbox, and
    # the record's diff_coverage says how many of its added lines they execute (run/diff_coverage)
    diff_coverage: bool = True
    sandbox: bool = True  # run tests with no network (unshare) when the machine allows
    # and, with bubblewrap installed, in a file-system sandbox (see pipeline/workspace/sandbox.py);
    # suggest mode runs no tests without it
    sandbox_filesystem: bool = True
    require_sandbox: bool = False  # True: refuse to run tests without network + fs isolation
    # names of variables passed from specpilot's environment to the tests, besides the
    # allowlist (PATH, LANG, LC_*, TERM, TZ); a user setting: a repository may not set it
    sandbox_env_passthrough: tuple[str, ...] = ()
    # host paths shown read-only in the file-system sandbox although they lie in a hidden
    # place (the home, /tmp, ...): toolchains such as ~/.rustup; a user setting, like the above
    sandbox_readonly_paths: tuple[str, ...] = ()
    sandbox_output_bytes: int = 1_000_000  # output kept while produced: first and last half
    sandbox_kill_output_bytes: int = 20_000_000  # more output than this kills the tests
    sandbox_tmp_bytes: int = 1 << 30  # size of the sandbox's private /tmp (memory-backed)
    test_output_chars: int = 8_000  # trimmed test output kept in reports / sent to the model

    # --- retrieval grounding (used when no RetrievedContext is passed in) ----------------
    context_top_k: int = 12
    context_max_chars: int = 24_000
    # a retrieval-only plan lists at most plan_max_files files, and only those scoring at
    # least plan_score_ratio of the best one (it stops where the score falls off)
    plan_max_files: int = 8
    plan_score_ratio: float = 0.5

    # --- git / files --------------------------------------------------------------------
    runs_dir: Path = Path("runs")
    worktrees_dir: Path | None = None  # None: <git common dir>/specpilot/worktrees
    branch_prefix: str = "specpilot/"
    commit_author_name: str = "specpilot"
    commit_author_email: str = "specpilot@localhost"

    # --- dependencies: [tool.specpilot.deps], not [pipeline] (flows.pipeline_settings) ----
    deps: DepsConfig = field(default_factory=DepsConfig)

    def __post_init__(self) -> None:
        positive = {
            "max_tokens": self.max_tokens,
            "request_timeout_s": self.request_timeout_s,
            "connect_timeout_s": self.connect_timeout_s,
            "context_window": self.context_window,
            "chars_per_token": self.chars_per_token,
            "max_total_tokens": self.max_total_tokens,
            "max_cost_usd": self.max_cost_usd,
            "max_tool_steps": self.max_tool_steps,
            "max_wall_time_s": self.max_wall_time_s,
            "read_max_lines": self.read_max_lines,
            "tool_output_chars": self.tool_output_chars,
            "test_timeout_s": self.test_timeout_s,
            "test_output_chars": self.test_output_chars,
            "sandbox_output_bytes": self.sandbox_output_bytes,
            "sandbox_tmp_bytes": self.sandbox_tmp_bytes,
            "context_top_k": self.context_top_k,
            "context_max_chars": self.context_max_chars,
            "plan_max_files": self.plan_max_files,
            "gate_poll_s": self.gate_poll_s,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"PipelineConfig.{name} must be greater than 0, not {value!r}.")
        for name in ("max_retries", "max_cut_off_retries", "max_repair_rounds", "max_idle_turns"):
            value = getattr(self, name)
            if value < 0:
                raise ConfigError(f"PipelineConfig.{name} must be 0 or more, not {value!r}.")
        if self.auth not in AUTH_MODES:
            raise ConfigError(
                f"PipelineConfig.auth {self.auth!r} is not known; use one of: "
                f"{', '.join(AUTH_MODES)}."
            )
        if self.temperature is not None and not 0.0 <= self.temperature <= 2.0:
            raise ConfigError(
                f"PipelineConfig.temperature must be between 0 and 2, not {self.temperature!r}."
            )
        if not 0.0 <= self.plan_score_ratio <= 1.0:
            raise ConfigError(
                f"PipelineConfig.plan_score_ratio must be between 0 and 1, not {self.plan_score_ratio!r}."
            )
        self._check_sandbox()
        for gate in self.gates:
            if gate not in ("plan", "merge"):
                raise ConfigError(
                    f"PipelineConfig.gates holds {gate!r}, which is not a gate; valid gates: "
                    "plan, merge."
                )
        if not self.branch_prefix or self.branch_prefix.startswith(("-", "/")):
            raise ConfigError(
                f"PipelineConfig.branch_prefix {self.branch_prefix!r} is not a usable branch "
                "prefix; use something like 'specpilot/'."
            )

    def _check_sandbox(self) -> None:
        if self.sandbox_kill_output_bytes < self.sandbox_output_bytes:
            raise ConfigError(
                "PipelineConfig.sandbox_kill_output_bytes must be at least sandbox_output_bytes "
                f"({self.sandbox_output_bytes}), not {self.sandbox_kill_output_bytes!r}."
            )
        for name in self.sandbox_env_passthrough:
            if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
                raise ConfigError(
                    f"PipelineConfig.sandbox_env_passthrough holds {name!r}, which is not an "
                    "environment variable name; use names such as 'PIP_INDEX_URL'."
                )
        for path in self.sandbox_readonly_paths:
            if not isinstance(path, str) or not path.startswith(("/", "~")):
                raise ConfigError(
                    f"PipelineConfig.sandbox_readonly_paths holds {path!r}; give absolute paths "
                    "(or paths starting with ~), such as '~/.rustup'."
                )

    def price(self) -> ModelPrice | None:
        """The price of the configured model, or None when it is not in the table."""
        return self.prices.get(self.model)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (paths as strings), written into the run directory."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path):
                value = str(value)
            elif f.name == "prices":
                value = {k: dataclasses.asdict(v) for k, v in value.items()}
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, DepsConfig):
                value = dataclasses.asdict(value)
            out[f.name] = value
        return out
