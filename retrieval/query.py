"""Query understanding: what in a free-text request names code directly.

* identifiers: compound or camel-case words (``get_adapter``, ``HTTPAdapter``, ``os.path``)
* path mentions: ``sessions.py``, ``src/app/main.go``, ``werkzeug.routing`` (a dotted module)
* stack-trace frames: Python ``File "x.py", line 3, in f``, JS ``at f (x.js:3:1)``,
  Go/Rust/Java ``x.go:3``
* quoted words: a single word in quotes or backticks (```charset```, ``'linetable'``) is a code
  name even when it looks like English
* error messages: ``SomeError: message`` lines and quoted phrases of three words or more, matched
  against the code's text (string literals) by the message channel
* runtime versions: ``Python 3.13``, ``py38``, ``Node 20``, ``Go 1.22`` (``retrieval.versions``)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from specpilot.indexer import code_tokens, identifiers
from specpilot.retrieval.versions import Version, mentioned_versions

# A path or file name: code, docs, config and the build and manifest files a spec names
# (go.mod, pom.xml, requirements-dev.txt, build.gradle.kts, .github/workflows/ci.yml, Makefile)
_PATH_RE = re.compile(
    r"(?<![\w/.-])("
    r"(?:[\w.-]+/)*[\w-][\w.-]*\.(?:py|pyi|js|jsx|ts|tsx|go|java|rs|mjs|cjs|md|rst|txt|toml"
    r"|ya?ml|json|cfg|ini|mod|sum|work|lock|gradle|kts|xml|sh|properties)"
    r"|(?:[\w.-]+/)*(?:Makefile|GNUmakefile|Dockerfile|Containerfile|Jenkinsfile|Pipfile|Gemfile)"
    r")(?![\w-])"
)
_PY_FRAME_RE = re.compile(r'File "([^"]+)", line (\d+)(?:, in (\w+))?')
_JS_FRAME_RE = re.compile(r"at (?:([\w.$<>]+) )?\(?([^\s():]+\.[cm]?[jt]sx?):(\d+)(?::\d+)?\)?")
_LINE_FRAME_RE = re.compile(r"([\w./-]+\.(?:go|rs|java|py|kt)):(\d+)")
# a Go frame: the function on one line, its file and line on the next, tab-indented
_GO_METHOD_RE = re.compile(r"\(\*?(\w+)\)\.(\w+)$")
_GO_FRAME_RE = re.compile(r"^(\S+)\([^\n]*\)\n\t(\S+\.go):(\d+)", re.M)
_DOTTED_RE = re.compile(r"(?<![\w./:@-])([a-z_][a-z0-9_]+(?:\.[a-z_][a-z0-9_]*)+)\b(?![/@-])")
# last parts that make a dotted word a host name or a file, not a module
_NOT_MODULE_TAILS = frozenset(
    "com org net io dev edu gov html htm rst md txt cfg ini toml yaml yml json lock d ci".split()
)
_QUOTED_RE = re.compile(r"(['\"`])([^'\"`\n]{1,200}?)\1")
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_ERROR_RE = re.compile(r"\b\w*(?:Error|Exception|Warning|Exit|Interrupt)\b:[ \t]*([^\n]{8,200})")
_MESSAGE_MIN_WORDS = 3


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    tokens: tuple[str, ...]  # code tokens for the full-text channels
    identifiers: tuple[str, ...]  # identifier-looking words
    paths: tuple[str, ...]  # file paths or file names mentioned
    modules: tuple[str, ...]  # dotted module names mentioned (may be paths)
    frames: tuple[tuple[str, int, str], ...]  # (path, line, function) from stack traces
    quoted: tuple[str, ...] = ()  # single words in quotes or backticks (code names)
    messages: tuple[str, ...] = ()  # error messages / quoted phrases, as written
    versions: tuple[Version, ...] = ()  # runtime versions: ("python", 3, 13), ("go", 1, 22)
    names_text: str | None = None  # the text names are read from (None: ``text``)

    @property
    def words(self) -> tuple[str, ...]:
        """Every word of the query (identifiers and plain words), for symbol-name lookup."""
        source = self.text if self.names_text is None else self.names_text
        return tuple(dict.fromkeys(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source)))


def analyse(text: str) -> Query:
    frames: list[tuple[str, int, str]] = []
    for m in _PY_FRAME_RE.finditer(text):
        frames.append((m.group(1), int(m.group(2)), m.group(3) or ""))
    for m in _JS_FRAME_RE.finditer(text):
        frames.append((m.group(2), int(m.group(3)), (m.group(1) or "").split(".")[-1]))
    go_functions: list[str] = []
    for m in _GO_FRAME_RE.finditer(text):
        frames.append((m.group(2), int(m.group(3)), m.group(1).rsplit(".", 1)[-1]))
        go_functions.append(m.group(1))
    for m in _LINE_FRAME_RE.finditer(text):
        if not any(f[0].endswith(m.group(1)) for f in frames):
            frames.append((m.group(1), int(m.group(2)), ""))
    # A Go frame's function is found at its frame's line. As a name, ``main.main`` (package
    # main, func main) would pull in every ``main`` of the repository: a package function
    # leaves the names, a method stays as ``Type.Method`` (``pkg.(*Mux).ServeHTTP``).
    names_text = text
    for fn in go_functions:
        method = _GO_METHOD_RE.search(fn)
        names_text = names_text.replace(fn, f" {method[1]}.{method[2]} " if method else " ")
    paths = list(dict.fromkeys(m.group(1) for m in _PATH_RE.finditer(text)))
    modules = [
        m.group(1)
        for m in _DOTTED_RE.finditer(text)
        if not _PATH_RE.fullmatch(m.group(1))
        and m.group(1).rsplit(".", 1)[-1] not in _NOT_MODULE_TAILS
    ]
    quoted: list[str] = []
    messages: list[str] = [m.group(1).strip() for m in _ERROR_RE.finditer(text)]
    for m in _QUOTED_RE.finditer(text):
        inner = m.group(2).strip()
        if _WORD_RE.fullmatch(inner):
            quoted.append(inner.strip("."))
        elif len(inner.split()) >= _MESSAGE_MIN_WORDS:
            messages.append(inner)
    quoted = list(dict.fromkeys(q for q in quoted if q))
    return Query(
        text=text,
        tokens=tuple(code_tokens(text)),
        identifiers=tuple(dict.fromkeys([*identifiers(names_text), *quoted])),
        paths=tuple(paths),
        modules=tuple(dict.fromkeys(modules)),
        frames=tuple(frames),
        quoted=tuple(quoted),
        messages=tuple(dict.fromkeys(messages)),
        versions=mentioned_versions(text),
        names_text=names_text,
    )
