"""The policy's gates table, the tier a plan predicts, and which gates a run must pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import ConfigError, PolicyError
from specpilot.pipeline.run.gates import GateError, GateKeeper, widen_gates
from specpilot.pipeline.tiers.gate_policy import GatePolicy
from specpilot.pipeline.tiers.plan_tier import planned_tier
from specpilot.pipeline.tiers.policy import Policy, load_policy


def _policy(repo: Path, toml: str) -> Policy:
    (repo / ".specpilot").mkdir(exist_ok=True)
    (repo / ".specpilot/policy.toml").write_text(toml)
    return load_policy(repo)


def test_default_policy_has_no_gate() -> None:
    keeper = GateKeeper(Policy().gates)
    assert keeper.plan_tier("auto", ["src/app.py"]) is None
    assert not keeper.merge_required("auto", 1, "merge")


def test_tiers_list_and_table_forms(tmp_path: Path) -> None:
    policy = _policy(
        tmp_path,
        '[gates]\nplan = [2, 3]\nmerge = { tiers = [1], modes = ["auto"] }\ntimeout_hours = 2\n',
    )
    gates = policy.gates
    assert gates.plan.tiers == {2, 3} and gates.plan.modes == {"pr", "auto"}
    assert gates.requires("merge", "auto", 1) and not gates.requires("merge", "pr", 1)
    assert gates.timeout_hours == 2


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[gates]\nplan = [4]\n", "gates.plan"),
        ("[gates]\ndeploy = [1]\n", "gates.deploy"),
        ('[gates]\nplan = { tiers = [1], modes = ["suggest"] }\n', "gates.plan"),
        ("[gates]\ntimeout_hours = 0\n", "gates.timeout_hours"),
    ],
)
def test_a_bad_gates_table_names_the_file_and_key(tmp_path: Path, toml: str, needle: str) -> None:
    with pytest.raises(PolicyError, match=r"\.specpilot/policy\.toml") as err:
        _policy(tmp_path, toml)
    assert needle in str(err.value) and "\n" not in str(err.value).strip()


@pytest.mark.parametrize(
    ("paths", "mode", "tier"),
    [
        (["docs/usage.md"], "auto", 1),
        (["docs/usage.md", "README.md"], "auto", 1),
        (["calc/ops.py"], "auto", 2),
        (["docs/usage.md"], "pr", 2),  # the mode's cap: pr never merges itself
        ([".github/workflows/ci.yml"], "auto", 3),  # sensitive
        ([], "auto", 3),  # a plan naming no file: nothing is known about it
    ],
)
def test_planned_tier(paths: list[str], mode: str, tier: int) -> None:
    assert planned_tier(Policy(), paths, mode=mode) == tier


def test_the_spec_risk_hint_raises_the_predicted_tier() -> None:
    assert planned_tier(Policy(), ["docs/usage.md"], mode="auto", spec_risk="high") == 3


def test_plan_gate_by_predicted_tier() -> None:
    gates = GatePolicy.model_validate({"plan": [2, 3]})
    keeper = GateKeeper(
        gates, tier_of_plan=lambda paths: planned_tier(Policy(), paths, mode="auto")
    )
    assert keeper.plan_tier("auto", ["docs/usage.md"]) is None  # tier 1: no gate
    assert keeper.plan_tier("auto", ["calc/ops.py"]) == 2
    assert keeper.plan_tier("suggest", ["calc/ops.py"]) is None  # suggest writes nothing


def test_an_unapproved_plan_moves_its_gate_to_the_merge() -> None:
    keeper = GateKeeper(GatePolicy.model_validate({"plan": [2, 3]}))
    assert keeper.merge_required("auto", 2, "pr")  # the plan predicted less; nobody saw it
    assert not keeper.merge_required("auto", 2, "pr", plan_approved=True)
    assert not keeper.merge_required("auto", 2, "suggest")  # nothing would be pushed


def test_widening_only_adds() -> None:
    policy = GatePolicy.model_validate({"merge": {"tiers": [1], "modes": ["auto"]}})
    wide = widen_gates(policy, ["plan"], "--gate")
    assert wide.requires("plan", "pr", 2) and wide.requires("merge", "auto", 1)
    assert widen_gates(policy, [], "--gate") == policy
    with pytest.raises(GateError, match="valid gates: plan, merge"):
        widen_gates(policy, ["deploy"], "--gate")


def test_config_refuses_an_unknown_gate() -> None:
    with pytest.raises(ConfigError, match="valid gates: plan, merge"):
        PipelineConfig(gates=("deploy",))
