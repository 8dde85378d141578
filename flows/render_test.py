"""Plain-line rendering of ``specpilot test`` (complete lines, safe to pipe)."""

from __future__ import annotations

from typing import Any

from specpilot.flows.render import out_console

_HOME = {
    "private empty": "a private empty directory (the user's home hidden)",
    "host": "the user's home was readable ($HOME pointed to an empty directory)",
}


def test_check(d: dict[str, Any]) -> None:
    con = out_console()

    def line(text: str) -> None:
        con.print(text, markup=False, highlight=False)

    verdict = "PASSED" if d["passed"] else "FAILED"
    if d["timed_out"]:
        verdict = "TIMED OUT (killed)"
    elif d["output_killed"]:
        verdict = "KILLED (too much output)"
    counts = (
        f"{d['total']} tests, {d['failed']} failed, {d['errors']} errors, {d['skipped']} skipped"
        if d["counted"]
        else f"exit code {d['returncode']}"
    )
    line(f"{verdict}: {counts} in {d['duration_s']:.1f} s")
    line(f"command: {d['command']} ({d['source']}), at {d['commit'][:12]} of {d['repo']}")
    for f in d["failures"]:
        line(f"{f['kind']}: {f['name']}: {f['message'].splitlines()[0] if f['message'] else ''}")
    iso = d["isolation"]
    if iso is not None:
        line("isolation (what was in force):")
        line("  network: " + ("off" if iso["network"] else "ON (not isolated)"))
        line(f"  file system: {iso['filesystem']}")
        line(f"  environment: {iso['env']} ({', '.join(iso['env_names'])})")
        line(f"  home: {_HOME[iso['home']]}")
        line(f"  host Unix sockets: {iso['unix_sockets']}")
    if d["sandbox_note"]:
        line(f"note: {d['sandbox_note']}")
    if d["dirty"]:
        line("note: the checkout has uncommitted changes; they were not tested (HEAD was).")
    if not d["passed"] and d["output"].strip():
        line("--- output (trimmed)")
        for text in d["output"].rstrip().splitlines():
            line(text)
