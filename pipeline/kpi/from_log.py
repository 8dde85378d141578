"""The KPIs of a window, read from the verified audit log and the run directories."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from specpilot.pipeline.audit.chain import verify
from specpilot.pipeline.audit.key import AuditKey
from specpilot.pipeline.audit.log import AuditRecord, read_records, read_verified
from specpilot.pipeline.core.errors import AuditError
from specpilot.pipeline.kpi.facts import collect_runs, read_run_extras
from specpilot.pipeline.kpi.metrics import Kpis, compute_kpis


def kpis_from_log(
    path: Path,
    key: AuditKey | None,
    *,
    runs_dir: Path | None,
    since: datetime,
    until: datetime,
    repo: str | None = None,
) -> Kpis:
    """The KPIs of the runs of ``repo`` (every repo: None) recorded in ``[since, until]``.

    Only a log that verifies under ``key`` is read (AuditError otherwise): numbers that decide
    how much autonomy to grant come from records nobody changed. ``runs_dir``: where the runs'
    ``record.json`` files are (repair rounds, tool steps, diff coverage); None: the log alone.
    """
    records = _verified(path, key)
    run_ids = [r.run_id for r in records if r.event == "run"]
    extras = read_run_extras(runs_dir, run_ids) if runs_dir is not None else {}
    runs = collect_runs(records, extras=extras, repo=repo)
    return compute_kpis(runs, since=since, until=until, repo=repo)


def _verified(path: Path, key: AuditKey | None) -> tuple[AuditRecord, ...]:
    """``read_verified``, also with no key yet (an empty log, or one of unkeyed records only:
    a keyed record then fails, naming where the key comes from)."""
    if key is not None:
        return read_verified(path, key)
    state = verify(path, None)
    if not state.ok:
        where = f" at line {state.line}" if state.line else ""
        raise AuditError(f"The audit log {path} fails verification{where}: {state.problem}")
    return read_records(path)
