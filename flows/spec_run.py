"""One spec, in process: refresh the index → retrieve → the stages → deliver (tier, deploy, audit).

The composition of the index, retrieval and the pipeline that the CLI's ``run`` calls; the
``spec-to-pr`` flow runs the same stages, each as a Prefect task. Nothing here prints; progress goes to the callback.
"""

from __future__ import annotations

import getpass
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from specpilot.flows.audit_keys import audit_key
from specpilot.flows.code_index import SearcherCodeIndex, WorktreeIndexes, build_context
from specpilot.flows.conventions_bridge import Conventions, load_conventions
from specpilot.flows.indexing import ensure_index
from specpilot.flows.issue_report import IssueReporter, reporter_for
from specpilot.flows.pipeline_settings import (
    DeliverSettings,
    audit_log_path,
    deliver_settings,
    pipeline_config,
)
from specpilot.flows.settings import Settings
from specpilot.indexer import (
    Embedder,
    IndexStore,
    Progress,
    make_embedder,
)
from specpilot.pipeline import (
    BASE_URL_ENV,
    AuditKey,
    CodeIndex,
    Delivery,
    DeployError,
    DeployResult,
    GateHook,
    GateKeeper,
    GitHubClient,
    IndexFactory,
    Model,
    NoModelError,
    PipelineConfig,
    Policy,
    RetrievedContext,
    RunInputs,
    RunInterrupted,
    RunMode,
    RunRecord,
    Spec,
    SpecRun,
    Step,
    TierDecision,
    auth_from_env,
    blocked_write_globs,
    conclude,
    deliver_change,
    drive,
    load_policy,
    planned_tier,
    remote_url,
    repo_from_remote_url,
    repo_root,
    widen_gates,
    write_refusal,
)

log = logging.getLogger(__name__)

MODEL_NEEDED = (
    "--mode {mode} writes code, which needs a model: set ANTHROPIC_API_KEY (or "
    "ANTHROPIC_AUTH_TOKEN, or ANTHROPIC_BASE_URL for a local server that needs no key), "
    "or run with --mode suggest for a retrieval-grounded plan and report."
)


@dataclass(frozen=True, slots=True)
class SpecRequest:
    """Who asks for which spec on which repository, and how."""

    spec: Spec
    spec_text: str  # the spec file's content (its hash goes into the audit log)
    repo: Path
    mode: RunMode
    settings: Settings
    db: str
    actor: str
    trigger: str = "cli"
    gates: tuple[str, ...] = ()  # --gate: gates added for this run (never removing one)


def default_actor(environ: Mapping[str, str]) -> str:
    """``$SPECPILOT_ACTOR``, else the login name."""
    explicit = environ.get("SPECPILOT_ACTOR")
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def make_model(config: PipelineConfig, mode: RunMode, environ: Mapping[str, str]) -> Model | None:
    """The Messages API model: with ``ANTHROPIC_API_KEY``, else ``ANTHROPIC_AUTH_TOKEN``,
    else — when a base URL names a server of your own (Ollama, llama.cpp, a LiteLLM proxy) —
    with no credential (``pipeline.auth`` chooses explicitly). ``None`` in suggest mode
    without any of them; NoModelError for pr/auto. The endpoint is ``config.base_url`` — only
    ever the user's (their config, ``ANTHROPIC_BASE_URL`` or ``--set``: a repository that
    names one is refused by ``flows.settings``) — else ``ANTHROPIC_BASE_URL`` of ``environ``
    (callers that pass their own environment), else the SDK's default."""
    base_url = config.base_url or environ.get(BASE_URL_ENV) or None
    auth = auth_from_env(config, environ, base_url=base_url)
    if auth is None:
        if mode != "suggest":
            raise NoModelError(MODEL_NEEDED.format(mode=mode))
        return None
    from specpilot.pipeline import AnthropicModel  # the SDK only when there is a model

    return AnthropicModel(config, auth=auth, base_url=base_url)


def has_model(settings: Settings, repo: Path, environ: Mapping[str, str]) -> bool:
    """Whether ``make_model`` would find a model (a credential, or a server of your own)."""
    config = pipeline_config(settings, repo)
    base_url = config.base_url or environ.get(BASE_URL_ENV) or None
    try:
        return auth_from_env(config, environ, base_url=base_url) is not None
    except NoModelError:
        return False


def github_token(environ: Mapping[str, str]) -> str | None:
    """``GITHUB_TOKEN``, else ``GH_TOKEN`` (what ``gh`` and GitHub Actions users have set)."""
    return environ.get("GITHUB_TOKEN") or environ.get("GH_TOKEN") or None


def github_client(
    repo: Path, remote: str, api_url: str, environ: Mapping[str, str]
) -> GitHubClient | None:
    """A GitHub client when the remote is on github.com and ``GITHUB_TOKEN`` (or the GitHub
    CLI's ``GH_TOKEN``) is set."""
    token = github_token(environ)
    if not token:
        return None
    url = remote_url(repo, remote)
    slug = repo_from_remote_url(url) if url is not None else None
    if slug is None:
        log.info("remote %r of %s is not on GitHub; using plain git", remote, repo)
        return None
    return GitHubClient(slug, token=token, base_url=api_url, env=environ)


@dataclass(frozen=True, slots=True)
class Composition:
    """What one run of a request needs, built once: shared by ``run_request`` and the flow."""

    repo: Path  # the repository's top level
    config: PipelineConfig
    model: Model | None
    embedder: Embedder
    deliver: DeliverSettings
    policy: Policy  # of the base commit: write guards for the agent
    audit_key: AuditKey  # the user's (never the repository's): chains the audit log

    def open_index(self, req: SpecRequest) -> SearcherCodeIndex:
        s = req.settings
        return SearcherCodeIndex(
            self.repo, req.db, index=s.index, retrieval=s.retrieval, embedder=self.embedder
        )

    def worktree_indexes(self, req: SpecRequest) -> WorktreeIndexes:
        s = req.settings
        return WorktreeIndexes(req.db, index=s.index, retrieval=s.retrieval, embedder=self.embedder)

    # the index's conventions per db, read once per run (``conventions``)
    _conventions: dict[str, Conventions] = field(default_factory=dict, repr=False, compare=False)

    def conventions(self, req: SpecRequest, store: IndexStore | None = None) -> Conventions:
        """The index's conventions profile (or a note why there is none), read once: the
        prompts' house rules and the gate before the commit use the same profile. ``store``:
        the index already open at ``req.db`` (else it is opened here)."""
        if req.db not in self._conventions:
            store = store or IndexStore.open(req.db, repo_hint=str(self.repo))
            self._conventions[req.db] = load_conventions(store)
        return self._conventions[req.db]

    def context(self, req: SpecRequest, index: SearcherCodeIndex) -> RetrievedContext:
        return build_context(
            req.spec,
            index,
            config=self.config,
            conventions=self.conventions(req, index.store),
            house_rules_tokens=self.deliver.house_rules_tokens,
        )

    def gatekeeper(self, req: SpecRequest, hook: GateHook | None) -> GateKeeper:
        """The run's gates: the policy's table, widened by the user's ``pipeline.gates`` and
        the request's ``--gate`` (they only add); ``hook`` asks the person."""
        extra = (*self.config.gates, *req.gates)
        return GateKeeper(
            policy=widen_gates(self.policy.gates, extra, "--gate"),
            hook=hook,
            tier_of_plan=partial(planned_tier, self.policy, mode=req.mode, spec_risk=req.spec.risk),
        )

    def inputs(
        self,
        req: SpecRequest,
        *,
        index: CodeIndex | None,
        worktree_index: IndexFactory | None,
        gate_hook: GateHook | None = None,
    ) -> RunInputs:
        """What the run is given: the request, the model, the policy's write guards, the
        index's conventions profile (the gate before the commit; None when never measured)
        and the run's human gates."""
        return RunInputs(
            req.spec, self.repo, req.mode, self.config, self.model, index, worktree_index,
            tuple(blocked_write_globs(self.policy)), partial(write_refusal, self.policy),
            self.conventions(req)[0], self.gatekeeper(req, gate_hook),
        )  # fmt: skip

    def github(self, req: SpecRequest, environ: Mapping[str, str]) -> GitHubClient | None:
        if req.mode == "suggest":
            return None
        try:
            return github_client(
                self.repo, self.deliver.remote, self.deliver.github_api_url, environ
            )
        except DeployError as exc:
            log.warning("not using the GitHub API: %s", exc)
            return None

    def conclude(
        self,
        req: SpecRequest,
        record: RunRecord,
        *,
        decision: TierDecision | None = None,
        result: DeployResult | None = None,
        error: str | None = None,
    ) -> Delivery:
        return conclude(
            record,
            req.spec,
            decision=decision,
            result=result,
            error=error,
            audit_log=audit_log_path(self.deliver),
            audit_key=self.audit_key,
            actor=req.actor,
            trigger=req.trigger,
            spec_text=req.spec_text,
        )


def compose(req: SpecRequest, environ: Mapping[str, str]) -> Composition:
    """Check the request and build what the run needs (a model only when a key is set).

    Raises WorktreeError (not a git repository), NoModelError (pr/auto without a key),
    PolicyError (a malformed policy), AuditKeyError (the audit key is unusable; made on first
    use) and flows' ConfigError (bad settings)."""
    repo = repo_root(req.repo)
    config = pipeline_config(req.settings, repo)
    model = make_model(config, req.mode, environ)
    policy = load_policy(repo, ref=req.spec.base or "HEAD")
    delivery = deliver_settings(req.settings)
    key = audit_key(
        environ, log=audit_log_path(delivery), repo=repo, user_key_file=delivery.audit_key_file
    )
    return Composition(
        repo=repo,
        config=config,
        model=model,
        embedder=make_embedder(req.settings.index.embed),
        deliver=delivery,
        policy=policy,
        audit_key=key,
    )


def run_request(
    req: SpecRequest,
    *,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    gate_hook: GateHook | None = None,
) -> Delivery:
    """Run the spec and deliver its change; the Delivery is also in the run directory.
    ``gate_hook`` asks a person at the run's gates (None: a required gate waits)."""
    env = os.environ if environ is None else environ
    started = datetime.now().astimezone()
    comp = compose(req, env)
    ensure_index(comp.repo, req.db, req.settings, embedder=comp.embedder, progress=progress)
    index = comp.open_index(req)
    context = comp.context(req, index)
    with comp.worktree_indexes(req) as worktrees:
        inputs = comp.inputs(req, index=index, worktree_index=worktrees, gate_hook=gate_hook)
        run = SpecRun.start(inputs, started=started)
        record, crash = drive_to_record(run, context, comp, req)
    reporter = reporter_for(req.spec, comp.deliver.github_api_url, github_token(env))
    if crash is not None:
        delivery = comp.conclude(req, record, error=crash)
    else:
        delivery = _deliver(req, comp, record, env, reporter, inputs.gates)
    if reporter is not None:  # the spec came from a GitHub issue: tell it how the run ended
        reporter.report(req.spec, delivery)
    return delivery


def drive_to_record(
    run: SpecRun,
    context: RetrievedContext | Callable[[], RetrievedContext],
    comp: Composition,
    req: SpecRequest,
    *,
    step: Step | None = None,
) -> tuple[RunRecord, str | None]:
    """``drive``'s stage loop; the record is written whatever happens. A crash (the run's
    status is then ``error``, its traceback logged by ``run.guard``) comes back as its
    one-line description; a Ctrl-C (``RunInterrupted``) is recorded and audited as a stop,
    then raised again: nothing is delivered."""
    crash, interrupted = None, None
    try:
        drive(run, context, step=step)
    except Exception as exc:
        crash = f"the run crashed: {type(exc).__name__}: {exc}"
    except RunInterrupted as stop:
        interrupted = stop
    finally:
        record = run.finalize()
    if interrupted is not None:
        comp.conclude(req, record)
        interrupted.branch = record.branch if record.worktree else None
        raise interrupted
    return record, crash


def _deliver(
    req: SpecRequest,
    comp: Composition,
    record: RunRecord,
    env: Mapping[str, str],
    reporter: IssueReporter | None,
    gates: GateKeeper | None = None,
) -> Delivery:
    return deliver_change(
        record,
        req.spec,
        config=comp.config,
        audit_log=audit_log_path(comp.deliver),
        audit_key=comp.audit_key,
        actor=req.actor,
        trigger=req.trigger,
        spec_text=req.spec_text,
        remote=comp.deliver.remote,
        github=comp.github(req, env),
        gates=gates,
        tell=reporter.tell if reporter is not None else None,
    )
