"""A spec run refreshes the index first, so retrieval sees the code as it is now."""

from __future__ import annotations

from pathlib import Path

from specpilot.flows.settings import load_settings
from specpilot.flows.spec_run import ensure_index


def test_first_run_indexes_later_runs_refresh_incrementally(make_repo, tmp_path: Path) -> None:
    repo = make_repo({"calc/ops.py": "def add(a, b):\n    return a + b\n"}, git=True)
    settings = load_settings(repo, ["index.embed.model='hash'"])
    db = str(tmp_path / "db")
    first = ensure_index(repo, db, settings)
    assert first.added == 1
    again = ensure_index(repo, db, settings)
    assert (again.added, again.changed, again.chunks_embedded) == (0, 0, 0)
    (repo / "calc/ops.py").write_text(
        "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
    )
    stale = ensure_index(repo, db, settings)
    assert stale.changed == 1 and stale.chunks_embedded >= 1


def test_a_crash_in_a_stage_is_audited_and_reported_not_raised(
    make_repo, tmp_path: Path, monkeypatch
) -> None:
    from specpilot.flows.spec_run import SpecRequest, run_request
    from specpilot.pipeline.audit.log import read_records
    from specpilot.pipeline.run.spec import parse_spec
    from specpilot.pipeline.run.stages import SpecRun

    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    repo = make_repo({"calc/ops.py": "def add(a, b):\n    return a + b\n"}, git=True)
    settings = load_settings(
        repo, ["index.embed.model='hash'", f"pipeline.runs_dir='{tmp_path / 'runs'}'"]
    )
    text = "# Add mul\n\nAdd `mul` to calc/ops.py.\n"

    def boom(self: SpecRun, context: object = None) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(SpecRun, "plan", boom)
    request = SpecRequest(
        spec=parse_spec(text), spec_text=text, repo=repo, mode="suggest", settings=settings,
        db=str(tmp_path / "db"), actor="tester",
    )  # fmt: skip
    delivery = run_request(request, environ={})
    assert delivery.outcome == "failed" and "disk on fire" in (delivery.error or "")
    assert Path(delivery.record_path).is_file()
    records = read_records(Path(delivery.audit_log))
    assert records[-1].run_id == delivery.run_id


def test_a_run_reads_the_conventions_profile_once(make_repo, tmp_path: Path, monkeypatch) -> None:
    """The prompts' house rules and the gate before the commit use one read of the profile."""
    from specpilot.flows import conventions_bridge
    from specpilot.flows.spec_run import SpecRequest, run_request
    from specpilot.pipeline.run.spec import parse_spec

    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    repo = make_repo({"calc/ops.py": "def add(a, b):\n    return a + b\n"}, git=True)
    settings = load_settings(
        repo, ["index.embed.model='hash'", f"pipeline.runs_dir='{tmp_path / 'runs'}'"]
    )
    reads: list[object] = []
    real = conventions_bridge.load_profile
    monkeypatch.setattr(
        conventions_bridge, "load_profile", lambda store: reads.append(store) or real(store)
    )
    text = "# Add mul\n\nAdd `mul` to calc/ops.py.\n"
    request = SpecRequest(
        spec=parse_spec(text), spec_text=text, repo=repo, mode="suggest", settings=settings,
        db=str(tmp_path / "db"), actor="tester",
    )  # fmt: skip
    delivery = run_request(request, environ={})
    assert delivery.outcome == "suggested", delivery.error
    assert len(reads) == 1


def test_the_github_token_is_github_token_else_the_gh_clis_gh_token() -> None:
    from specpilot.flows.spec_run import github_token

    assert github_token({"GITHUB_TOKEN": "a", "GH_TOKEN": "b"}) == "a"
    assert github_token({"GH_TOKEN": "b"}) == "b"
    assert github_token({"GITHUB_TOKEN": ""}) is None
