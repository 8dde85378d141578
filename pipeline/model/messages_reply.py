"""A Messages API reply body, checked before anything acts on it.

A 200 from the configured server is still only bytes from the network: a proxy's HTML page,
a half-written body or JSON of another API must end the run with a clear ``ModelError``
naming the server, never a traceback, and never a tool call built from missing fields. The
SDK's own parsing is lenient (it builds a ``Message`` without validating it), so the body is
parsed and validated here, against only the fields the pipeline reads; unknown fields and
unknown block types pass (the caller ignores such blocks with a warning).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from specpilot.pipeline.core.errors import ModelError

_SNIPPET = 60


class ReplyUsage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    input_tokens: StrictInt = Field(ge=0)
    output_tokens: StrictInt = Field(ge=0)
    cache_read_input_tokens: StrictInt | None = Field(default=None, ge=0)
    cache_creation_input_tokens: StrictInt | None = Field(default=None, ge=0)


class ReplyBlock(BaseModel):
    """One content block; ``text`` and ``tool_use`` blocks must carry their fields."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: StrictStr
    text: StrictStr | None = None
    id: StrictStr | None = None
    name: StrictStr | None = None
    input: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _complete(self) -> ReplyBlock:
        if self.type == "text" and self.text is None:
            raise ValueError("a text block has no text")
        if self.type == "tool_use" and not (self.id and self.name and self.input is not None):
            raise ValueError("a tool_use block needs an id, a name and an input object")
        return self


class MessagesReply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    type: StrictStr = "message"
    id: StrictStr | None = None
    model: StrictStr | None = None
    content: list[ReplyBlock]
    stop_reason: StrictStr | None = None
    usage: ReplyUsage

    @model_validator(mode="after")
    def _a_message(self) -> MessagesReply:
        if self.type != "message":
            raise ValueError(f"its type is {self.type!r}, not 'message'")
        return self


def parse_reply(body: str, *, content_type: str, server: str) -> MessagesReply:
    """The checked reply; ModelError (one line) naming ``server`` and what is wrong."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        raise _not_a_reply(server, f"{_kind(content_type)}, not JSON: {_snippet(body)}") from None
    if not isinstance(data, dict):
        raise _not_a_reply(server, f"JSON {type(data).__name__}, not an object")
    if data.get("type") == "error":
        raise _not_a_reply(server, f"an error object with HTTP 200: {_snippet(json.dumps(data))}")
    try:
        return MessagesReply.model_validate(data)
    except ValidationError as exc:
        raise _not_a_reply(server, _first_problem(exc)) from None


def _not_a_reply(server: str, why: str) -> ModelError:
    return ModelError(
        f"The server at {server} returned a reply that is not a Messages API response "
        f"({why}); check that pipeline.base_url / ANTHROPIC_BASE_URL names a Messages API."
    )


def _kind(content_type: str) -> str:
    return content_type.split(";")[0].strip() or "no content type"


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    if not flat:
        return "an empty body"
    return repr(flat[:_SNIPPET] + ("..." if len(flat) > _SNIPPET else ""))


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "the body"
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"
