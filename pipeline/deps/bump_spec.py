"""A needed bump as a spec: "bump X from A to B; advisory ID; the tests must pass".

The spec is ordinary spec Markdown (front matter + body, parsed by ``parse_spec``) so that a
bump runs through the normal pipeline and its text is what the audit log hashes. It asks the
agent to change the version in the manifest (and the lockfile when the ecosystem's tool is
there), run the tests, and when they fail to adapt the code to the new version — never to
add, remove or loosen another dependency. The policy decides the tier as for any change: a
pure bump with green tests is tier 1, one that needed code changes tier 2.
"""

from __future__ import annotations

import json

from specpilot.pipeline.deps.check import DepStatus
from specpilot.pipeline.run.spec import Spec, parse_spec

LOCK_TOOLS = {
    "pypi": "the lockfile (uv lock / poetry lock) if the repository has one",
    "npm": "package-lock.json (npm install --package-lock-only) if the repository has one",
    "crates": "Cargo.lock (cargo update -p NAME) if the repository has one",
    "go": "go.sum (go mod tidy) if the Go toolchain is available",
}


def bump_spec_text(status: DepStatus, target: str, *, test_command: str | None = None) -> str:
    """The spec Markdown for bumping ``status`` to ``target``."""
    dep = status.dep
    current = status.current or dep.spec or "its current version"
    ids = [a.id for a in status.advisories]
    title = f"Bump {dep.name} from {current} to {target}"
    if ids:
        title += f" ({', '.join(ids[:3])}{', ...' if len(ids) > 3 else ''})"
    acceptance = [
        f"{dep.path} requires {dep.name} {target} (the constraint is changed to allow it and "
        "exclude older versions, in the form it already has)",
        "the tests pass",
    ]
    fm = [
        "---",
        f"title: {json.dumps(title)}",
        "acceptance:",
        *(f"  - {json.dumps(a)}" for a in acceptance),
    ]
    if test_command:
        fm.append(f"test_command: {json.dumps(test_command)}")
    fm.append("---")
    body = [
        f"# {title}",
        "",
        f"Bump the {dep.ecosystem} dependency `{dep.name}` in `{dep.path}` ({dep.section}) "
        f"from `{dep.spec or current}` to version `{target}`.",
    ]
    if status.advisories:
        body += ["", "Known vulnerabilities of the version in use:"]
        for a in status.advisories:
            fixed = ", ".join(a.fixed) or "no fixed version listed"
            summary = f": {a.summary}" if a.summary else ""
            body.append(f"- {a.id} (severity {a.severity}; fixed in {fixed}){summary}")
    body += [
        "",
        "Steps:",
        f"1. Change only the version constraint of `{dep.name}` in `{dep.path}`; update "
        f"{LOCK_TOOLS[dep.ecosystem]}.",
        "2. Run the tests.",
        f"3. If they fail, read the errors and adapt the code to the API of {dep.name} "
        f"{target}; keep the change as small as the new version needs.",
        "4. The tests must pass.",
        "",
        "Do not add, remove or loosen any other dependency.",
    ]
    return "\n".join(fm) + "\n" + "\n".join(body) + "\n"


def bump_spec(
    status: DepStatus, target: str, *, test_command: str | None = None
) -> tuple[Spec, str]:
    """The parsed spec and its text."""
    text = bump_spec_text(status, target, test_command=test_command)
    return parse_spec(text), text
