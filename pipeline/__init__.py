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
    "AnthropicModel": "specpilot.pipeline.model.anthropic",
    "API_URL": "specpilot.pipeline.deliver.github",
    "AuditError": "specpilot.pipeline.core.errors",
    "AuditKey": "specpilot.pipeline.audit.key",
    "AuditKeyError": "specpilot.pipeline.core.errors",
    "auth_from_env": "specpilot.pipeline.model.auth",
    "BASE_URL_ENV": "specpilot.pipeline.model.auth",
    "blocked_write_globs": "specpilot.pipeline.tiers.policy",
    "check_key_placement": "specpilot.pipeline.audit.key",
    "check_tests": "specpilot.pipeline.run.test_check",
    "CodeIndex": "specpilot.pipeline.core.index",
    "conclude": "specpilot.pipeline.deliver.deliver",
    "default_audit_path": "specpilot.pipeline.audit.log",
    "default_key_path": "specpilot.pipeline.audit.key",
    "deliver_change": "specpilot.pipeline.deliver.deliver",
    "Delivery": "specpilot.pipeline.deliver.deliver",
    "DeployError": "specpilot.pipeline.core.errors",
    "DeployResult": "specpilot.pipeline.deliver.deploy_result",
    "DiffError": "specpilot.pipeline.core.errors",
    "drive": "specpilot.pipeline.run.drive",
    "explain": "specpilot.pipeline.tiers.tiering",
    "gather_context": "specpilot.pipeline.run.context",
    "GitHubClient": "specpilot.pipeline.deliver.github",
    "has_change": "specpilot.pipeline.deliver.deliver",
    "Hit": "specpilot.pipeline.core.index",
    "IndexFactory": "specpilot.pipeline.core.index",
    "key_from_hex": "specpilot.pipeline.audit.key",
    "load_key_file": "specpilot.pipeline.audit.key",
    "load_or_create_key": "specpilot.pipeline.audit.key",
    "load_policy": "specpilot.pipeline.tiers.policy",
    "load_toml_bytes": "specpilot.pipeline.core.toml_text",
    "Model": "specpilot.pipeline.model.protocol",
    "ModelPrice": "specpilot.pipeline.core.config",
    "MODES": "specpilot.pipeline.core.config",
    "NoModelError": "specpilot.pipeline.core.errors",
    "parse_spec": "specpilot.pipeline.run.spec",
    "PipelineConfig": "specpilot.pipeline.core.config",
    "PipelineError": "specpilot.pipeline.core.errors",
    "Plan": "specpilot.pipeline.run.plan",
    "Policy": "specpilot.pipeline.tiers.policy",
    "PolicyError": "specpilot.pipeline.core.errors",
    "probe_isolation": "specpilot.pipeline.workspace.sandbox",
    "RankedFile": "specpilot.pipeline.run.context",
    "remote_url": "specpilot.pipeline.deliver.deploy_git",
    "render_plan": "specpilot.pipeline.run.plan",
    "repo_from_remote_url": "specpilot.pipeline.deliver.github",
    "repo_root": "specpilot.pipeline.workspace.worktree",
    "RetrievedContext": "specpilot.pipeline.run.context",
    "RunInputs": "specpilot.pipeline.run.inputs",
    "RunMode": "specpilot.pipeline.core.config",
    "RunRecord": "specpilot.pipeline.run.record",
    "SANDBOX_USER_ONLY_FIELDS": "specpilot.pipeline.core.config",
    "SandboxError": "specpilot.pipeline.core.errors",
    "ship": "specpilot.pipeline.deliver.deliver",
    "show": "specpilot.pipeline.audit.log",
    "Spec": "specpilot.pipeline.run.spec",
    "SpecError": "specpilot.pipeline.core.errors",
    "SpecRun": "specpilot.pipeline.run.stages",
    "Step": "specpilot.pipeline.run.drive",
    "SymbolSite": "specpilot.pipeline.core.index",
    "TestCheck": "specpilot.pipeline.run.test_check",
    "tier": "specpilot.pipeline.deliver.deliver",
    "TierDecision": "specpilot.pipeline.tiers.tiering",
    "TomlTextError": "specpilot.pipeline.core.toml_text",
    "verify": "specpilot.pipeline.audit.chain",
    "WorktreeError": "specpilot.pipeline.core.errors",
    "write_refusal": "specpilot.pipeline.tiers.policy",
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
    from specpilot.pipeline.core.config import ModelPrice as ModelPrice
    from specpilot.pipeline.core.config import PipelineConfig as PipelineConfig
    from specpilot.pipeline.core.config import RunMode as RunMode
    from specpilot.pipeline.core.errors import AuditError as AuditError
    from specpilot.pipeline.core.errors import AuditKeyError as AuditKeyError
    from specpilot.pipeline.core.errors import DeployError as DeployError
    from specpilot.pipeline.core.errors import DiffError as DiffError
    from specpilot.pipeline.core.errors import NoModelError as NoModelError
    from specpilot.pipeline.core.errors import PipelineError as PipelineError
    from specpilot.pipeline.core.errors import PolicyError as PolicyError
    from specpilot.pipeline.core.errors import SandboxError as SandboxError
    from specpilot.pipeline.core.errors import SpecError as SpecError
    from specpilot.pipeline.core.errors import WorktreeError as WorktreeError
    from specpilot.pipeline.core.index import CodeIndex as CodeIndex
    from specpilot.pipeline.core.index import Hit as Hit
    from specpilot.pipeline.core.index import IndexFactory as IndexFactory
    from specpilot.pipeline.core.index import SymbolSite as SymbolSite
    from specpilot.pipeline.core.toml_text import TomlTextError as TomlTextError
    from specpilot.pipeline.core.toml_text import load_toml_bytes as load_toml_bytes
    from specpilot.pipeline.deliver.deliver import Delivery as Delivery
    from specpilot.pipeline.deliver.deliver import conclude as conclude
    from specpilot.pipeline.deliver.deliver import deliver_change as deliver_change
    from specpilot.pipeline.deliver.deliver import has_change as has_change
    from specpilot.pipeline.deliver.deliver import ship as ship
    from specpilot.pipeline.deliver.deliver import tier as tier
    from specpilot.pipeline.deliver.deploy_git import remote_url as remote_url
    from specpilot.pipeline.deliver.deploy_result import DeployResult as DeployResult
    from specpilot.pipeline.deliver.github import API_URL as API_URL
    from specpilot.pipeline.deliver.github import GitHubClient as GitHubClient
    from specpilot.pipeline.deliver.github import repo_from_remote_url as repo_from_remote_url
    from specpilot.pipeline.model.anthropic import AnthropicModel as AnthropicModel
    from specpilot.pipeline.model.auth import BASE_URL_ENV as BASE_URL_ENV
    from specpilot.pipeline.model.auth import auth_from_env as auth_from_env
    from specpilot.pipeline.model.protocol import Model as Model
    from specpilot.pipeline.run.context import RankedFile as RankedFile
    from specpilot.pipeline.run.context import RetrievedContext as RetrievedContext
    from specpilot.pipeline.run.context import gather_context as gather_context
    from specpilot.pipeline.run.drive import Step as Step
    from specpilot.pipeline.run.drive import drive as drive
    from specpilot.pipeline.run.inputs import RunInputs as RunInputs
    from specpilot.pipeline.run.plan import Plan as Plan
    from specpilot.pipeline.run.plan import render_plan as render_plan
    from specpilot.pipeline.run.record import RunRecord as RunRecord
    from specpilot.pipeline.run.spec import Spec as Spec
    from specpilot.pipeline.run.spec import parse_spec as parse_spec
    from specpilot.pipeline.run.stages import SpecRun as SpecRun
    from specpilot.pipeline.run.test_check import TestCheck as TestCheck
    from specpilot.pipeline.run.test_check import check_tests as check_tests
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
