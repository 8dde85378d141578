"""Offline fakes for tests and demos: a scripted Messages API server and a grep ``CodeIndex``.

    with ScriptedMessagesServer([tool_reply(("read_file", {"path": "a.py"})),
                                 text_reply("done")]) as server:
        model = AnthropicModel(config, api_key="test", base_url=server.url)
        ...
    server.requests  # every request body the server received, in order

The server listens on 127.0.0.1 (ephemeral port) and answers ``POST /v1/messages`` with the
next scripted reply; when the script runs out it answers HTTP 500 with ``x-should-retry:
false``. Error replies carry ``retry-after-ms`` so retries are quick. ``raw_reply`` sends
bytes exactly as given (a broken or foreign server: invalid JSON, an HTML page, a body that is
JSON but not a Messages API message); ``slow`` delays a reply, ``served_as`` names the model
the server reports.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from specpilot.pipeline.run.context import Hit, SymbolSite


@dataclass(frozen=True, slots=True)
class ScriptedReply:
    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is instead of ``body`` (see ``raw_reply``)
    content_type: str = "application/json"
    delay_s: float = 0.0  # the server waits this long before answering (a slow CPU model)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    path: str
    headers: Mapping[str, str]
    body: Mapping[str, Any]


def _usage(
    input_tokens: int, output_tokens: int, cache_read: int, cache_write: int
) -> dict[str, int]:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_input_tokens": cache_read,
        "cache_creation_input_tokens": cache_write,
    }


def text_reply(
    text: str,
    *,
    input_tokens: int = 100,
    output_tokens: int = 20,
    cache_read: int = 0,
    cache_write: int = 0,
    stop_reason: str = "end_turn",
) -> ScriptedReply:
    body = {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": _usage(input_tokens, output_tokens, cache_read, cache_write),
    }
    return ScriptedReply(200, body)


def tool_reply(
    *calls: tuple[str, Mapping[str, Any]],
    text: str = "",
    input_tokens: int = 100,
    output_tokens: int = 20,
    cache_read: int = 0,
    cache_write: int = 0,
    stop_reason: str = "tool_use",
) -> ScriptedReply:
    """A turn that calls tools; ids are filled in by the server (``toolu_0001``, ...).
    ``stop_reason="max_tokens"`` scripts a reply cut off in the middle of its tool calls."""
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content += [{"type": "tool_use", "id": "", "name": n, "input": dict(a)} for n, a in calls]
    body = {
        "type": "message",
        "role": "assistant",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": _usage(input_tokens, output_tokens, cache_read, cache_write),
    }
    return ScriptedReply(200, body)


def raw_reply(
    payload: str | bytes, *, status: int = 200, content_type: str = "application/json"
) -> ScriptedReply:
    """A reply whose body is ``payload`` byte for byte (nothing is filled in)."""
    data = payload.encode() if isinstance(payload, str) else payload
    return ScriptedReply(status, {}, raw=data, content_type=content_type)


def served_as(reply: ScriptedReply, model: str) -> ScriptedReply:
    """``reply`` reporting ``model`` as the model that answered (a server's own name)."""
    return replace(reply, body={**reply.body, "model": model})


def slow(reply: ScriptedReply, seconds: float) -> ScriptedReply:
    """``reply``, sent only after ``seconds`` (a request that outlasts a timeout)."""
    return replace(reply, delay_s=seconds)


_ERROR_TYPES = {429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


def error_reply(
    status: int, message: str = "scripted error", *, retry_after_ms: int = 5
) -> ScriptedReply:
    body = {
        "type": "error",
        "error": {"type": _ERROR_TYPES.get(status, "api_error"), "message": message},
    }
    return ScriptedReply(status, body, {"retry-after-ms": str(retry_after_ms)})


class ScriptedMessagesServer:
    """Replays ``script`` to whoever POSTs to ``/v1/messages``; records every request."""

    def __init__(self, script: Sequence[ScriptedReply]) -> None:
        self._script = list(script)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.requests: list[RecordedRequest] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._script)

    def start(self) -> ScriptedMessagesServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedMessagesServer:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _next(self, request: RecordedRequest) -> ScriptedReply:
        with self._lock:
            self.requests.append(request)
            if not self._script:
                body = {
                    "type": "error",
                    "error": {"type": "api_error", "message": "script exhausted"},
                }
                return ScriptedReply(500, body, {"x-should-retry": "false"})
            reply = self._script.pop(0)
            if reply.status != 200 or reply.raw is not None:
                return reply
            body = json.loads(json.dumps(reply.body))
            body["id"] = f"msg_{next(self._ids):04d}"
            # the name the server reports: the scripted one (see ``served_as``), else the asked
            body["model"] = body.get("model") or request.body.get("model", "unknown")
            for block in body["content"]:
                if block["type"] == "tool_use" and not block["id"]:
                    block["id"] = f"toolu_{next(self._ids):04d}"
            return ScriptedReply(200, body, reply.headers, delay_s=reply.delay_s)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                headers = {k.lower(): v for k, v in self.headers.items()}
                recorded = RecordedRequest(self.path, headers, body)
                if not self.path.startswith("/v1/messages"):
                    reply = ScriptedReply(
                        404,
                        {
                            "type": "error",
                            "error": {"type": "not_found_error", "message": self.path},
                        },
                    )
                else:
                    reply = server._next(recorded)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type)
                self.send_header("content-length", str(len(payload)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up waiting (its timeout): nobody to answer

            def log_message(self, format: str, *args: Any) -> None:
                return  # keep test output quiet

        return Handler


_SKIP_DIRS = {".git", "__pycache__", ".venv", "node_modules", ".pytest_cache", ".mypy_cache"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
_DEF = r"^\s*(?:async\s+def|def|class)\s+{name}\b"


class GrepIndex:
    """A ``CodeIndex`` that greps the files under ``root`` on every call (tests, demos).

    Search scores a 20-line window by how many query words it contains; ``find_symbol`` and
    ``callers`` use Python ``def``/``class`` regexes. ``refreshed`` records refresh calls.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.refreshed: list[tuple[str, ...]] = []

    def _files(self) -> list[tuple[str, list[str]]]:
        out = []
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root)
            if _SKIP_DIRS & set(rel.parts) or path.is_symlink() or not path.is_file():
                continue
            try:
                out.append((rel.as_posix(), path.read_text(encoding="utf-8").splitlines()))
            except (UnicodeDecodeError, OSError):
                continue
        return out

    def search(self, query: str, top_k: int) -> list[Hit]:
        words = {w.lower() for w in _WORD.findall(query)}
        hits = []
        for rel, lines in self._files():
            for start in range(0, max(len(lines), 1), 20):
                window = lines[start : start + 20]
                found = {w.lower() for w in _WORD.findall("\n".join(window))} & words
                if found:
                    end = start + len(window)
                    hits.append(
                        Hit(rel, None, start + 1, end, float(len(found)), "\n".join(window))
                    )
        hits.sort(key=lambda h: (-h.score, h.path, h.start_line))
        return hits[:top_k]

    def find_symbol(self, name: str) -> list[SymbolSite]:
        pattern = re.compile(_DEF.format(name=re.escape(name)))
        return [
            SymbolSite(rel, name, i, i, 1.0, line)
            for rel, lines in self._files()
            for i, line in enumerate(lines, 1)
            if pattern.match(line)
        ]

    def callers(self, name: str) -> list[SymbolSite]:
        call = re.compile(rf"\b{re.escape(name)}\s*\(")
        definition = re.compile(_DEF.format(name=re.escape(name)))
        enclosing = re.compile(_DEF.format(name=r"([A-Za-z_]\w*)"))
        out = []
        for rel, lines in self._files():
            current = "<module>"
            for i, line in enumerate(lines, 1):
                if m := enclosing.match(line):
                    current = m.group(1)
                if call.search(line) and not definition.match(line):
                    out.append(SymbolSite(rel, current, i, i, 1.0, line))
        return out

    def refresh(self, paths: Sequence[str]) -> None:
        self.refreshed.append(tuple(paths))
