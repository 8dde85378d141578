"""Which commits of a repository can be an eval case, and the spec each one becomes.

A case is a non-merge commit with a parent that changes code *and* tests: the message (title
and body) is the spec, the parent is where the agent starts, and the commit's own versions of
its test files are held back — the agent never sees them — to judge its result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from specpilot.pipeline.core.errors import PipelineError, WorktreeError
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.tiers.classify import Matcher
from specpilot.pipeline.tiers.file_types import executed
from specpilot.pipeline.workspace.worktree import git

SCAN_FACTOR = 20  # --commits N looks at most this many times N non-merge commits back
MIN_SCAN = 200


class EvalError(PipelineError):
    """A commit cannot be an eval case, or the history has too few (bad input: exit 2)."""


@dataclass(frozen=True, slots=True)
class CommitCase:
    """One commit as an eval case."""

    sha: str
    parent: str
    title: str
    body: str
    tests: Mapping[
        str, str | None
    ]  # held-back test files: path -> the commit's text (None: deleted)
    code: tuple[str, ...]  # the code files the commit changes (what the agent must write)

    @property
    def short(self) -> str:
        return self.sha[:10]

    def spec(self) -> Spec:
        """The spec the agent gets: the commit message, nothing else (no path of a held-back
        test, no diff)."""
        return Spec(title=self.title, body=self.body, source=f"commit-{self.short}.md")


def _changes(repo: Path, sha: str) -> list[tuple[str, str]]:
    out = git(["diff-tree", "--no-commit-id", "-r", "--no-renames", "--name-status", "-z", sha],
              cwd=repo)  # fmt: skip
    parts = out.split("\0")
    return [(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2) if parts[i]]


def commit_case(repo: Path, ref: str, test_globs: Sequence[str]) -> CommitCase:
    """``ref`` as a case; EvalError when it is a merge, a root commit, or changes no test
    or no code (then there is nothing to judge by, or nothing to write)."""
    try:
        sha = git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=repo).strip()
    except WorktreeError:
        raise EvalError(f"--commit {ref!r} is not a commit of {repo}.") from None
    parents = git(["rev-list", "--parents", "-n", "1", sha], cwd=repo).split()[1:]
    if len(parents) != 1:
        what = "a merge commit" if parents else "the first commit (it has no parent to start from)"
        raise EvalError(f"--commit {ref!r} is {what}; give a non-merge commit with a parent.")
    case = _case(repo, sha, parents[0], Matcher(test_globs))
    if case is None:
        raise EvalError(
            f"--commit {ref!r} does not change both code and tests; an eval case needs its own "
            "tests to judge the agent by."
        )
    return case


def recent_cases(repo: Path, count: int, test_globs: Sequence[str]) -> list[CommitCase]:
    """The last ``count`` non-merge commits of ``HEAD`` that change code and tests, newest
    first; EvalError when ``count`` < 1 or the history has fewer."""
    if count < 1:
        raise EvalError(f"--commits must be at least 1, not {count}.")
    scan = max(MIN_SCAN, SCAN_FACTOR * count)
    out = git(["rev-list", "--no-merges", "--parents", f"--max-count={scan}", "HEAD"], cwd=repo)
    tests = Matcher(test_globs)
    cases: list[CommitCase] = []
    seen = 0
    for line in out.splitlines():
        sha, *parents = line.split()
        seen += 1
        if len(parents) != 1:
            continue
        case = _case(repo, sha, parents[0], tests)
        if case is not None:
            cases.append(case)
            if len(cases) == count:
                return cases
    raise EvalError(
        f"--commits {count}: only {len(cases)} of the last {seen} non-merge commits of {repo} "
        "change both code and tests; ask for at most that many."
    )


def _case(repo: Path, sha: str, parent: str, tests: Matcher) -> CommitCase | None:
    changes = _changes(repo, sha)
    test_paths = [(s, p) for s, p in changes if tests(p)]
    code = tuple(p for s, p in changes if not tests(p) and executed(p) is not None)
    if not test_paths or not code:
        return None
    held: dict[str, str | None] = {}
    for status, path in test_paths:
        held[path] = None if status.startswith("D") else git(["show", f"{sha}:{path}"], cwd=repo)
    message = git(["log", "-1", "--format=%s%x00%b", sha], cwd=repo)
    title, _, body = message.partition("\0")
    return CommitCase(sha, parent, title.strip() or sha[:10], body.strip(), held, code)
