"""specpilot pipeline.

The public API of this package is ``__all__``, imported on first use (PEP 562) so that
importing one name does not import the rest (the CLI starts fast); other packages import
only these names (tests/test_layering.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from specpilot._surface import lazy

# name -> the module that defines it
_WHERE: dict[str, str] = {
    "CommitCase": "specpilot.pipeline.evaluate.commits",
    "EvalCase": "specpilot.pipeline.evaluate.outcome",
    "EvalError": "specpilot.pipeline.evaluate.commits",
    "EvalOutcome": "specpilot.pipeline.evaluate.outcome",
    "EvalReport": "specpilot.pipeline.evaluate.outcome",
    "HeldOutCheck": "specpilot.pipeline.evaluate.heldout",
    "OUTCOMES": "specpilot.pipeline.evaluate.outcome",
    "apply_heldout": "specpilot.pipeline.evaluate.heldout",
    "commit_case": "specpilot.pipeline.evaluate.commits",
    "failure_class": "specpilot.pipeline.evaluate.outcome",
    "heldout_passes": "specpilot.pipeline.evaluate.heldout",
    "outcome_of": "specpilot.pipeline.evaluate.outcome",
    "recent_cases": "specpilot.pipeline.evaluate.commits",
    "sandboxed_check": "specpilot.pipeline.evaluate.heldout",
    "scratch_clone": "specpilot.pipeline.evaluate.heldout",
    "tokens_of": "specpilot.pipeline.evaluate.outcome",
    "AnthropicModel": "specpilot.pipeline.model.anthropic",
    "API_URL": "specpilot.pipeline.deliver.github",
    "AuditError": "specpilot.pipeline.core.errors",
    "AuditKey": "specpilot.pipeline.audit.key",
    "AuditKeyError": "specpilot.pipeline.core.errors",
    "auth_from_env": "specpilot.pipeline.model.auth",
    "BASE_URL_ENV": "specpilot.pipeline.model.auth",
    "blocked_write_globs": "specpilot.pipeline.tiers.policy",
    "bump_spec": "specpilot.pipeline.deps.bump_spec",
    "check_repo": "specpilot.pipeline.deps.check",
    "check_key_placement": "specpilot.pipeline.audit.key",
    "check_tests": "specpilot.pipeline.run.test_check",
    "CodeIndex": "specpilot.pipeline.core.index",
    "compute_kpis": "specpilot.pipeline.kpi.metrics",
    "conclude": "specpilot.pipeline.deliver.conclude",
    "default_audit_path": "specpilot.pipeline.audit.log",
    "default_key_path": "specpilot.pipeline.audit.key",
    "deliver_change": "specpilot.pipeline.deliver.deliver",
    "Delivery": "specpilot.pipeline.deliver.conclude",
    "DeployError": "specpilot.pipeline.core.errors",
    "DeployResult": "specpilot.pipeline.deliver.deploy_result",
    "DepsConfig": "specpilot.pipeline.core.config",
    "DepsError": "specpilot.pipeline.core.errors",
    "DepsReport": "specpilot.pipeline.deps.check",
    "DiffError": "specpilot.pipeline.core.errors",
    "drive": "specpilot.pipeline.run.drive",
    "escalate_run": "specpilot.pipeline.deliver.deliver",
    "Escalation": "specpilot.pipeline.deliver.escalate",
    "explain": "specpilot.pipeline.tiers.tiering",
    "gather_context": "specpilot.pipeline.run.context",
    "GitHubClient": "specpilot.pipeline.deliver.github",
    "github_lookup": "specpilot.pipeline.kpi.fates",
    "has_change": "specpilot.pipeline.deliver.deliver",
    "Hit": "specpilot.pipeline.core.index",
    "IndexFactory": "specpilot.pipeline.core.index",
    "key_from_hex": "specpilot.pipeline.audit.key",
    "Kpis": "specpilot.pipeline.kpi.metrics",
    "kpis_markdown": "specpilot.pipeline.kpi.text",
    "kpis_from_log": "specpilot.pipeline.kpi.from_log",
    "load_key_file": "specpilot.pipeline.audit.key",
    "load_or_create_key": "specpilot.pipeline.audit.key",
    "load_policy": "specpilot.pipeline.tiers.policy",
    "load_toml_bytes": "specpilot.pipeline.core.toml_text",
    "Model": "specpilot.pipeline.model.protocol",
    "PackageIndex": "specpilot.pipeline.deps.registry",
    "ModelPrice": "specpilot.pipeline.core.config",
    "MODES": "specpilot.pipeline.core.config",
    "NoModelError": "specpilot.pipeline.core.errors",
    "outcome_label": "specpilot.pipeline.kpi.text",
    "parse_since": "specpilot.pipeline.kpi.since",
    "parse_spec": "specpilot.pipeline.run.spec",
    "PendingPr": "specpilot.pipeline.kpi.fates",
    "PipelineConfig": "specpilot.pipeline.core.config",
    "PipelineError": "specpilot.pipeline.core.errors",
    "RunInterrupted": "specpilot.pipeline.core.errors",
    "Plan": "specpilot.pipeline.run.plan",
    "Policy": "specpilot.pipeline.tiers.policy",
    "PolicyError": "specpilot.pipeline.core.errors",
    "pr_slug": "specpilot.pipeline.kpi.fates",
    "probe_isolation": "specpilot.pipeline.workspace.sandbox",
    "PullRequestState": "specpilot.pipeline.deliver.github",
    "RankedFile": "specpilot.pipeline.run.context",
    "refresh_fates": "specpilot.pipeline.kpi.fates",
    "RefreshResult": "specpilot.pipeline.kpi.fates",
    "remote_url": "specpilot.pipeline.deliver.deploy_git",
    "render_page": "specpilot.pipeline.kpi.page",
    "render_plan": "specpilot.pipeline.run.plan",
    "repo_from_remote_url": "specpilot.pipeline.deliver.github",
    "repo_root": "specpilot.pipeline.workspace.worktree",
    "ReportError": "specpilot.pipeline.core.errors",
    "RetrievedContext": "specpilot.pipeline.run.context",
    "RunInputs": "specpilot.pipeline.run.inputs",
    "RunMode": "specpilot.pipeline.core.config",
    "RunRecord": "specpilot.pipeline.run.record",
    "SANDBOX_USER_ONLY_FIELDS": "specpilot.pipeline.core.config",
    "SandboxError": "specpilot.pipeline.core.errors",
    "ship": "specpilot.pipeline.deliver.deliver",
    "should_escalate": "specpilot.pipeline.deliver.escalate",
    "show": "specpilot.pipeline.audit.log",
    "Spec": "specpilot.pipeline.run.spec",
    "SpecError": "specpilot.pipeline.core.errors",
    "SpecRun": "specpilot.pipeline.run.stages",
    "Step": "specpilot.pipeline.run.drive",
    "summary_rows": "specpilot.pipeline.kpi.text",
    "SymbolSite": "specpilot.pipeline.core.index",
    "TestCheck": "specpilot.pipeline.run.test_check",
    "tier": "specpilot.pipeline.deliver.deliver",
    "tier_label": "specpilot.pipeline.kpi.text",
    "TierDecision": "specpilot.pipeline.tiers.tiering",
    "TomlTextError": "specpilot.pipeline.core.toml_text",
    "verify": "specpilot.pipeline.audit.chain",
    "WorktreeError": "specpilot.pipeline.core.errors",
    "write_refusal": "specpilot.pipeline.tiers.policy",
    "AwaitingApproval": "specpilot.pipeline.run.gates",
    "GateDecision": "specpilot.pipeline.run.gates",
    "GateKeeper": "specpilot.pipeline.run.gates",
    "GateError": "specpilot.pipeline.run.gates",
    "widen_gates": "specpilot.pipeline.run.gates",
    "planned_tier": "specpilot.pipeline.tiers.plan_tier",
    "GatePolicy": "specpilot.pipeline.tiers.gate_policy",
    "GATES": "specpilot.pipeline.tiers.gate_policy",
    "GateHook": "specpilot.pipeline.run.gates",
    "pass_merge_gate": "specpilot.pipeline.deliver.merge_gate",
    "Gate": "specpilot.pipeline.tiers.gate_policy",
    "check_gate_names": "specpilot.pipeline.run.gates",
    "GitHubHTTPError": "specpilot.pipeline.deliver.github",
    "Issue": "specpilot.pipeline.deliver.github",
    "IssueRef": "specpilot.pipeline.specsrc.github_issue",
    "issue_teller": "specpilot.pipeline.deliver.escalate",
    "LoadedSpec": "specpilot.pipeline.specsrc.load",
    "load_source": "specpilot.pipeline.specsrc.load",
    "parse_issue_ref": "specpilot.pipeline.specsrc.github_issue",
    "spec_document": "specpilot.pipeline.specsrc.load",
    "spec_from_issue": "specpilot.pipeline.specsrc.github_issue",
    "SOURCES_HINT": "specpilot.pipeline.specsrc.load",
}

if TYPE_CHECKING:
    from specpilot.pipeline.audit.chain import verify as verify
    from specpilot.pipeline.audit.key import AuditKey as AuditKey
    from specpilot.pipeline.audit.key import check_key_placement as check_key_placement
    from specpilot.pipeline.audit.key import default_key_path as default_key_path
    from specpilot.pipeline.audit.key import key_from_hex as key_from_hex
    from specpilot.pipeline.audit.key import load_key_file as load_key_file
    from specpilot.pipeline.audit.key import load_or_create_key as load_or_create_key
    from specpilot.pipeline.audit.log import default_audit_path as default_audit_path
    from specpilot.pipeline.audit.log import show as show
    from specpilot.pipeline.core.config import MODES as MODES
    from specpilot.pipeline.core.config import SANDBOX_USER_ONLY_FIELDS as SANDBOX_USER_ONLY_FIELDS
    from specpilot.pipeline.core.config import DepsConfig as DepsConfig
    from specpilot.pipeline.core.config import ModelPrice as ModelPrice
    from specpilot.pipeline.core.config import PipelineConfig as PipelineConfig
    from specpilot.pipeline.core.config import RunMode as RunMode
    from specpilot.pipeline.core.errors import AuditError as AuditError
    from specpilot.pipeline.core.errors import AuditKeyError as AuditKeyError
    from specpilot.pipeline.core.errors import DeployError as DeployError
    from specpilot.pipeline.core.errors import DepsError as DepsError
    from specpilot.pipeline.core.errors import DiffError as DiffError
    from specpilot.pipeline.core.errors import NoModelError as NoModelError
    from specpilot.pipeline.core.errors import PipelineError as PipelineError
    from specpilot.pipeline.core.errors import PolicyError as PolicyError
    from specpilot.pipeline.core.errors import ReportError as ReportError
    from specpilot.pipeline.core.errors import RunInterrupted as RunInterrupted
    from specpilot.pipeline.core.errors import SandboxError as SandboxError
    from specpilot.pipeline.core.errors import SpecError as SpecError
    from specpilot.pipeline.core.errors import WorktreeError as WorktreeError
    from specpilot.pipeline.core.index import CodeIndex as CodeIndex
    from specpilot.pipeline.core.index import Hit as Hit
    from specpilot.pipeline.core.index import IndexFactory as IndexFactory
    from specpilot.pipeline.core.index import SymbolSite as SymbolSite
    from specpilot.pipeline.core.toml_text import TomlTextError as TomlTextError
    from specpilot.pipeline.core.toml_text import load_toml_bytes as load_toml_bytes
    from specpilot.pipeline.deliver.conclude import Delivery as Delivery
    from specpilot.pipeline.deliver.conclude import conclude as conclude
    from specpilot.pipeline.deliver.deliver import deliver_change as deliver_change
    from specpilot.pipeline.deliver.deliver import escalate_run as escalate_run
    from specpilot.pipeline.deliver.deliver import has_change as has_change
    from specpilot.pipeline.deliver.deliver import ship as ship
    from specpilot.pipeline.deliver.deliver import tier as tier
    from specpilot.pipeline.deliver.deploy_git import remote_url as remote_url
    from specpilot.pipeline.deliver.deploy_result import DeployResult as DeployResult
    from specpilot.pipeline.deliver.escalate import Escalation as Escalation
    from specpilot.pipeline.deliver.escalate import issue_teller as issue_teller
    from specpilot.pipeline.deliver.escalate import should_escalate as should_escalate
    from specpilot.pipeline.deliver.github import API_URL as API_URL
    from specpilot.pipeline.deliver.github import GitHubClient as GitHubClient
    from specpilot.pipeline.deliver.github import GitHubHTTPError as GitHubHTTPError
    from specpilot.pipeline.deliver.github import Issue as Issue
    from specpilot.pipeline.deliver.github import PullRequestState as PullRequestState
    from specpilot.pipeline.deliver.github import repo_from_remote_url as repo_from_remote_url
    from specpilot.pipeline.deliver.merge_gate import pass_merge_gate as pass_merge_gate
    from specpilot.pipeline.deps.bump_spec import bump_spec as bump_spec
    from specpilot.pipeline.deps.check import DepsReport as DepsReport
    from specpilot.pipeline.deps.check import check_repo as check_repo
    from specpilot.pipeline.deps.registry import PackageIndex as PackageIndex
    from specpilot.pipeline.evaluate.commits import CommitCase as CommitCase
    from specpilot.pipeline.evaluate.commits import EvalError as EvalError
    from specpilot.pipeline.evaluate.commits import commit_case as commit_case
    from specpilot.pipeline.evaluate.commits import recent_cases as recent_cases
    from specpilot.pipeline.evaluate.heldout import HeldOutCheck as HeldOutCheck
    from specpilot.pipeline.evaluate.heldout import apply_heldout as apply_heldout
    from specpilot.pipeline.evaluate.heldout import heldout_passes as heldout_passes
    from specpilot.pipeline.evaluate.heldout import sandboxed_check as sandboxed_check
    from specpilot.pipeline.evaluate.heldout import scratch_clone as scratch_clone
    from specpilot.pipeline.evaluate.outcome import OUTCOMES as OUTCOMES
    from specpilot.pipeline.evaluate.outcome import EvalCase as EvalCase
    from specpilot.pipeline.evaluate.outcome import EvalOutcome as EvalOutcome
    from specpilot.pipeline.evaluate.outcome import EvalReport as EvalReport
    from specpilot.pipeline.evaluate.outcome import failure_class as failure_class
    from specpilot.pipeline.evaluate.outcome import outcome_of as outcome_of
    from specpilot.pipeline.evaluate.outcome import tokens_of as tokens_of
    from specpilot.pipeline.kpi.fates import PendingPr as PendingPr
    from specpilot.pipeline.kpi.fates import RefreshResult as RefreshResult
    from specpilot.pipeline.kpi.fates import github_lookup as github_lookup
    from specpilot.pipeline.kpi.fates import pr_slug as pr_slug
    from specpilot.pipeline.kpi.fates import refresh_fates as refresh_fates
    from specpilot.pipeline.kpi.from_log import kpis_from_log as kpis_from_log
    from specpilot.pipeline.kpi.metrics import Kpis as Kpis
    from specpilot.pipeline.kpi.metrics import compute_kpis as compute_kpis
    from specpilot.pipeline.kpi.page import render_page as render_page
    from specpilot.pipeline.kpi.since import parse_since as parse_since
    from specpilot.pipeline.kpi.text import kpis_markdown as kpis_markdown
    from specpilot.pipeline.kpi.text import outcome_label as outcome_label
    from specpilot.pipeline.kpi.text import summary_rows as summary_rows
    from specpilot.pipeline.kpi.text import tier_label as tier_label
    from specpilot.pipeline.model.anthropic import AnthropicModel as AnthropicModel
    from specpilot.pipeline.model.auth import BASE_URL_ENV as BASE_URL_ENV
    from specpilot.pipeline.model.auth import auth_from_env as auth_from_env
    from specpilot.pipeline.model.protocol import Model as Model
    from specpilot.pipeline.run.context import RankedFile as RankedFile
    from specpilot.pipeline.run.context import RetrievedContext as RetrievedContext
    from specpilot.pipeline.run.context import gather_context as gather_context
    from specpilot.pipeline.run.drive import Step as Step
    from specpilot.pipeline.run.drive import drive as drive
    from specpilot.pipeline.run.gates import AwaitingApproval as AwaitingApproval
    from specpilot.pipeline.run.gates import GateDecision as GateDecision
    from specpilot.pipeline.run.gates import GateError as GateError
    from specpilot.pipeline.run.gates import GateHook as GateHook
    from specpilot.pipeline.run.gates import GateKeeper as GateKeeper
    from specpilot.pipeline.run.gates import check_gate_names as check_gate_names
    from specpilot.pipeline.run.gates import widen_gates as widen_gates
    from specpilot.pipeline.run.inputs import RunInputs as RunInputs
    from specpilot.pipeline.run.plan import Plan as Plan
    from specpilot.pipeline.run.plan import render_plan as render_plan
    from specpilot.pipeline.run.record import RunRecord as RunRecord
    from specpilot.pipeline.run.spec import Spec as Spec
    from specpilot.pipeline.run.spec import parse_spec as parse_spec
    from specpilot.pipeline.run.stages import SpecRun as SpecRun
    from specpilot.pipeline.run.test_check import TestCheck as TestCheck
    from specpilot.pipeline.run.test_check import check_tests as check_tests
    from specpilot.pipeline.specsrc.github_issue import IssueRef as IssueRef
    from specpilot.pipeline.specsrc.github_issue import parse_issue_ref as parse_issue_ref
    from specpilot.pipeline.specsrc.github_issue import spec_from_issue as spec_from_issue
    from specpilot.pipeline.specsrc.load import SOURCES_HINT as SOURCES_HINT
    from specpilot.pipeline.specsrc.load import LoadedSpec as LoadedSpec
    from specpilot.pipeline.specsrc.load import load_source as load_source
    from specpilot.pipeline.specsrc.load import spec_document as spec_document
    from specpilot.pipeline.tiers.gate_policy import GATES as GATES
    from specpilot.pipeline.tiers.gate_policy import Gate as Gate
    from specpilot.pipeline.tiers.gate_policy import GatePolicy as GatePolicy
    from specpilot.pipeline.tiers.plan_tier import planned_tier as planned_tier
    from specpilot.pipeline.tiers.policy import Policy as Policy
    from specpilot.pipeline.tiers.policy import blocked_write_globs as blocked_write_globs
    from specpilot.pipeline.tiers.policy import load_policy as load_policy
    from specpilot.pipeline.tiers.policy import write_refusal as write_refusal
    from specpilot.pipeline.tiers.tiering import TierDecision as TierDecision
    from specpilot.pipeline.tiers.tiering import explain as explain
    from specpilot.pipeline.workspace.sandbox import probe_isolation as probe_isolation
    from specpilot.pipeline.workspace.worktree import repo_root as repo_root

__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy(__name__, _WHERE, globals())
