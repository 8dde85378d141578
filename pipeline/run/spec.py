"""Spec files: Markdown with optional YAML front matter, parsed into a frozen ``Spec``.

    ---
    title: Add retry to the HTTP client
    risk: medium                    # low | medium | high (a hint; policy decides)
    acceptance:
      - failed requests are retried three times
    tasks:                          # plan hints, in order (OpenSpec / Spec Kit tasks.md)
      - add RetryPolicy in src/http/retry.py
    paths:
      allow: ["src/http/**", "tests/**"]
      block: ["migrations/**"]
    test_command: python -m pytest -q tests/http
    base: main
    ---
    # Body in Markdown ...

Every error is a ``SpecError`` naming the file, the line and the field. Specs from other
sources (OpenSpec, Spec Kit, GitHub issues) are read by ``pipeline/specsrc`` into this model.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from specpilot.pipeline.core.errors import SpecError

SPEC_SCHEMA_VERSION: Literal[1] = 1
# where a spec was read from (``pipeline.specsrc``); filled in by the reader, never by the spec
SourceKind = Literal["markdown", "openspec", "speckit", "github-issue"]
_READER_FIELDS = (
    "schema_version", "body", "source", "source_kind", "source_ref", "content_hash", "tasks_file",
)  # fmt: skip
_FENCE = re.compile(r"^(---|\.\.\.)\s*$")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$")
# A spec may come from anyone who can open an issue: its front matter is hostile input.
MAX_FRONT_MATTER_BYTES = 64 * 1024  # the fields of a spec fit in a few hundred bytes
MAX_FRONT_MATTER_DEPTH = 16  # the deepest field (paths.allow[i]) is 3 levels down


class _Refused(Exception):
    def __init__(self, mark: yaml.Mark | None, problem: str) -> None:
        super().__init__(problem)
        self.mark, self.problem = mark, problem


class _SpecLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses aliases and deep nesting, both before building anything.

    ``safe_load`` shares an aliased value, but walking the result does not: 341 bytes of
    nested aliases are 9**9 list items to the line-number walk and to validation (2.4 GB in
    30 s). A spec has no use for aliases, so any alias is an error. PyYAML's composer
    recurses once per level, so ``[[[[...]]]]`` 3000 deep was a ``RecursionError``.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(
                event.start_mark,
                f"uses the YAML alias '*{event.anchor}'; aliases are not allowed in a spec, "
                "write the value out",
            )
        self._depth += 1
        try:
            if self._depth > MAX_FRONT_MATTER_DEPTH:
                raise _Refused(
                    self.peek_event().start_mark,
                    f"is nested more than {MAX_FRONT_MATTER_DEPTH} levels deep; a spec's fields "
                    "need at most 3 levels",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class PathRules(BaseModel):
    """gitignore-style globs, relative to the repository root."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allow: tuple[str, ...] = ()  # when non-empty, the agent may write only these paths
    block: tuple[str, ...] = ()  # the agent may never write these paths


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = SPEC_SCHEMA_VERSION
    title: str = Field(min_length=1)
    body: str = ""
    risk: Literal["low", "medium", "high"] | None = None
    acceptance: tuple[str, ...] = ()
    paths: PathRules = PathRules()
    test_command: str | None = None
    base: str | None = None  # branch or commit the change starts from; None: HEAD
    source: str | None = None  # the file the spec was read from
    # the source's task checklist (tasks.md of OpenSpec / Spec Kit): plan hints, in order
    tasks: tuple[str, ...] = ()
    source_kind: SourceKind | None = None  # None: parsed from text with no known origin
    source_ref: str | None = None  # the file or folder path, or the URL
    content_hash: str | None = None  # sha256 of the source's content as it was read
    # the tasks.md the tasks came from (absolute); a green pr/auto run ticks them in its branch
    # when the file is in the repository
    tasks_file: str | None = None

    @property
    def slug(self) -> str:
        """A short name for branches and run ids: the file's stem, else the title."""
        stem = Path(self.source).stem if self.source else ""
        return slugify(stem or self.title)

    def to_markdown(self) -> str:
        """The spec as a prompt-ready Markdown document."""
        parts = [f"# {self.title}"]
        if self.risk:
            parts.append(f"Risk hint: {self.risk}")
        if self.body.strip():
            parts.append(self.body.strip())
        if self.acceptance:
            parts.append("Acceptance criteria:\n" + "\n".join(f"- {a}" for a in self.acceptance))
        if self.tasks:
            parts.append("Tasks:\n" + "\n".join(f"- {t}" for t in self.tasks))
        if self.paths.allow:
            parts.append("Only these paths may be written: " + ", ".join(self.paths.allow))
        if self.paths.block:
            parts.append("These paths must not be written: " + ", ".join(self.paths.block))
        return "\n\n".join(parts) + "\n"


def slugify(text: str, max_len: int = 48) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_len].rstrip("-") or "change"


def load_spec(path: Path) -> Spec:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"Cannot read the spec file {str(path)!r}: {exc.strerror}.") from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"The spec file {str(path)!r} is not UTF-8 text.") from exc
    return parse_spec(text, source=str(path))


def parse_spec(text: str, *, source: str | None = None) -> Spec:
    """Parse a spec; raise ``SpecError`` naming the field and the line when it is malformed."""
    where = source or "<spec>"
    lines = text.lstrip("\ufeff").splitlines()
    data: dict[str, Any] = {}
    key_lines: dict[tuple[str | int, ...], int] = {}
    body_start = 0
    if lines and _FENCE.match(lines[0]) and lines[0].startswith("---"):
        end = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i])), None)
        if end is None:
            raise SpecError(
                f"{where}:1: the front matter opened with '---' is never closed; "
                "end it with a line containing only '---'."
            )
        data, key_lines = _parse_front_matter("\n".join(lines[1:end]), where)
        body_start = end + 1
    body = "\n".join(lines[body_start:]).strip("\n")
    if "title" not in data:
        heading = next((m.group(1) for ln in body.splitlines() if (m := _HEADING.match(ln))), None)
        if heading:
            data["title"] = heading
        elif source:
            data["title"] = Path(source).stem
    data["body"] = body
    data["source"] = source
    try:
        return Spec.model_validate(data)
    except ValidationError as exc:
        raise _spec_error(exc, where, key_lines) from None


def _parse_front_matter(
    text: str, where: str
) -> tuple[dict[str, Any], dict[tuple[str | int, ...], int]]:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FRONT_MATTER_BYTES:
        raise SpecError(
            f"{where}:2: the front matter is {size // 1024} KiB; it may be at most "
            f"{MAX_FRONT_MATTER_BYTES // 1024} KiB (put long text in the body)."
        )
    loader = _SpecLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _Refused as exc:
        line = exc.mark.line + 2 if exc.mark else 1
        raise SpecError(f"{where}:{line}: the front matter {exc.problem}.") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else 1
        raise SpecError(
            f"{where}:{line}: the front matter is not valid YAML: {exc.problem or exc}."
        ) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{where}: the front matter is not valid YAML: {exc}.") from None
    finally:
        loader.dispose()
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise SpecError(
            f"{where}:2: the front matter must be a mapping of fields "
            f"(title, risk, acceptance, tasks, paths, test_command, base), not {type(data).__name__}."
        )
    for key in _READER_FIELDS:
        if key in data:
            raise SpecError(
                f"{where}: field {key!r} cannot be set in the front matter; it is filled in "
                "by the parser."
            )
    key_lines: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        _collect_lines(node, (), key_lines)
    return data, key_lines


def _collect_lines(
    node: yaml.Node, prefix: tuple[str | int, ...], out: dict[tuple[str | int, ...], int]
) -> None:
    # +2: line 1 of the file is the opening '---', and marks are 0-based.
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            loc = (*prefix, str(key_node.value))
            out[loc] = key_node.start_mark.line + 2
            _collect_lines(value_node, loc, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            loc = (*prefix, i)
            out[loc] = item.start_mark.line + 2
            _collect_lines(item, loc, out)


_TYPE_NAMES = {"tuple_type": "a list", "string_type": "a string", "model_type": "a mapping"}


def _spec_error(
    exc: ValidationError, where: str, key_lines: dict[tuple[str | int, ...], int]
) -> SpecError:
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not str(p).startswith("function-"))
        field = ".".join(str(p) for p in loc) or "<front matter>"
        line = next((key_lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in key_lines), 1)
        if err["type"] == "extra_forbidden":
            valid = Spec.model_fields if len(loc) == 1 else PathRules.model_fields
            names = ", ".join(n for n in valid if n not in _READER_FIELDS)
            msg = f"unknown field; valid fields here are: {names}"
        elif err["type"] in _TYPE_NAMES:
            msg = f"should be {_TYPE_NAMES[err['type']]}, got {type(err['input']).__name__}"
        elif field == "title" and err["type"] == "missing":
            msg = "missing; set 'title' in the front matter or start the body with '# Title'"
        else:
            msg = err["msg"]
        problems.append(f"{where}:{line}: field '{field}': {msg}.")
    return SpecError(" ".join(problems))
