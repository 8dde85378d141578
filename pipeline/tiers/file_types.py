"""What a changed file *is*, whatever it is called: prose, data-only configuration, or
something a tool executes — and what its git mode says (executable, symlink, submodule).

The kind globs of :mod:`pipeline.classify` say *where* docs and config live; these rules say
whether a file there can be one. ``calc/CHANGELOG_hook.py`` and ``docs/conf.py`` are Python:
importable, and executed by whoever imports them (Sphinx runs ``conf.py``). A Makefile, a
shell script, a Dockerfile, a CI workflow, a git hook or a package registry setting is run by
a tool or decides what runs. Language ids come from the indexer's registry
(:func:`indexer.source.filetypes.language_for`), extended here by a few executed names.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from specpilot.indexer import is_code, language_for
from specpilot.pipeline.core.diffparse import FileDiff

SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"
EXEC_MODE = "100755"

# Prose and pictures: rendered, never run. Not HTML, SVG or MDX, which can carry scripts.
DOCS_SUFFIXES: frozenset[str] = frozenset(
    {".md", ".markdown", ".mdown", ".rst", ".txt", ".adoc", ".asciidoc", ".png", ".jpg"}
    | {".jpeg", ".gif", ".webp", ".ico", ".bmp"}
)
# Extensionless prose files, also with a suffix such as LICENSE-MIT or NOTICE_APACHE.
DOC_NAMES: frozenset[str] = frozenset(
    {"readme", "license", "licence", "copying", "notice", "authors", "contributors"}
    | {"changelog", "changes", "history", "news", "contributing", "code_of_conduct", "security"}
)
# Data-only configuration: read by tools, not executed by them.
CONFIG_SUFFIXES: frozenset[str] = frozenset(
    {".toml", ".yaml", ".yml", ".json", ".ini", ".cfg", ".conf", ".properties", ".xml", ".lock"}
)
CONFIG_NAMES: frozenset[str] = frozenset(
    {".editorconfig", ".gitignore", ".gitattributes", ".dockerignore", ".mailmap"}
)

_CODE_SUFFIXES: dict[str, str] = {
    ".sh": "a shell script",
    ".bash": "a shell script",
    ".zsh": "a shell script",
    ".fish": "a shell script",
    ".ps1": "a PowerShell script",
    ".bat": "a batch script",
    ".cmd": "a batch script",
    ".mk": "a Makefile: make runs it",
    ".cmake": "CMake code",
    ".bzl": "Bazel (Starlark) code",
    ".gradle": "Gradle (Groovy) code",
    ".kts": "Kotlin script",
    ".dockerfile": "a Dockerfile: docker build runs it",
    ".ipynb": "a notebook: docs builds and CI execute it",
    ".mdx": "MDX: Markdown with JSX that the docs build executes",
    ".html": "HTML: it can carry scripts",
    ".htm": "HTML: it can carry scripts",
    ".svg": "SVG: it can carry scripts",
    ".pl": "Perl code",
    ".lua": "Lua code",
    ".r": "R code",
    ".ex": "Elixir code",
    ".exs": "Elixir code",
    ".erb": "an ERB template (Ruby)",
    ".j2": "a Jinja template",
    ".jinja": "a Jinja template",
}
_EXECUTED_NAMES: dict[str, str] = {
    "makefile": "a Makefile: make runs it",
    "gnumakefile": "a Makefile: make runs it",
    "dockerfile": "a Dockerfile: docker build runs it",
    "containerfile": "a Containerfile: the image build runs it",
    "jenkinsfile": "CI code (Groovy): Jenkins runs it",
    "vagrantfile": "Ruby code: Vagrant runs it",
    "rakefile": "Ruby code: rake runs it",
    "gemfile": "Ruby code: bundler runs it",
    "justfile": "a justfile: just runs its recipes",
    "taskfile.yml": "a Taskfile: task runs its commands",
    "tiltfile": "Starlark code: Tilt runs it",
    "build": "a Bazel BUILD file",
    "build.bazel": "a Bazel BUILD file",
    "workspace": "a Bazel WORKSPACE file",
    "module.bazel": "a Bazel module file",
    "cmakelists.txt": "CMake code: cmake runs it",
    "meson.build": "Meson code: meson runs it",
    "sconstruct": "Python code: SCons runs it",
    "tox.ini": "tox configuration: tox runs its commands",
    ".pre-commit-config.yaml": "pre-commit configuration: it decides which hooks run",
    ".envrc": "a shell script: direnv runs it",
    ".gitmodules": "submodule configuration: it decides where code is fetched from",
    ".npmrc": "package registry configuration: it decides where packages come from",
    ".yarnrc": "package registry configuration: it decides where packages come from",
    ".yarnrc.yml": "package registry configuration: it decides where packages come from",
    ".pypirc": "package registry configuration: it decides where packages come from",
    "pip.conf": "package registry configuration: it decides where packages come from",
    ".condarc": "package registry configuration: it decides where packages come from",
}
# CI runs these on its runner with the repository's secrets, outside specpilot's sandbox.
_CI_PREFIXES = (".github/workflows/", ".github/actions/", ".gitlab/", ".circleci/", ".buildkite/")
_CI_NAMES = frozenset(
    {".gitlab-ci.yml", ".travis.yml", "azure-pipelines.yml", "bitbucket-pipelines.yml"}
)
_HOOK_PREFIXES = (".husky/", ".githooks/")


def executed(path: str) -> str | None:
    """Why ``path`` is code or is run by a tool, or ``None`` when it is neither."""
    p = PurePosixPath(path)
    name, suffix = p.name.lower(), p.suffix.lower()
    lowered = path.lower()
    if lowered.startswith(_CI_PREFIXES) or name in _CI_NAMES:
        return "CI configuration: it runs on the CI runner with the repository's secrets"
    if lowered.startswith(_HOOK_PREFIXES):
        return "a git hook: it runs on developers' machines"
    if name in _EXECUTED_NAMES:
        return _EXECUTED_NAMES[name]
    language = language_for(path)
    if language is not None and (is_code(language) or language in _OTHER_CODE):
        shown = _LANGUAGE_NAMES.get(language, language.capitalize())
        return f"{shown} code ({suffix or p.name}): importable or executable"
    return _CODE_SUFFIXES.get(suffix)


# indexer languages without a tree-sitter grammar here that are code all the same
_OTHER_CODE = frozenset(
    {"c", "cpp", "ruby", "php", "kotlin", "swift", "csharp", "scala", "shell", "sql", "groovy"}
    | {"make", "docker", "gradle", "terraform"}
)
_LANGUAGE_NAMES = {
    "javascript": "JavaScript",
    "typescript": "TypeScript",
    "tsx": "TSX",
    "cpp": "C++",
    "csharp": "C#",
    "php": "PHP",
    "sql": "SQL",
    "c": "C",
}


def is_docs_type(path: str) -> bool:
    """Prose or a picture by its extension, or an extensionless README, LICENSE-MIT, ..."""
    p = PurePosixPath(path)
    suffix, name = p.suffix.lower(), p.name.lower()
    if suffix:
        return suffix in DOCS_SUFFIXES and executed(path) is None  # CMakeLists.txt is code
    return name in DOC_NAMES or re.split(r"[-_]", name, maxsplit=1)[0] in DOC_NAMES


def is_config_type(path: str) -> bool:
    """Data-only configuration by its extension or name."""
    p = PurePosixPath(path)
    return p.suffix.lower() in CONFIG_SUFFIXES or p.name.lower() in CONFIG_NAMES


def mode_note(f: FileDiff) -> str | None:
    """What the file's git mode makes it, when that is more than a plain file."""
    if SYMLINK_MODE in (f.mode_after, f.mode_before):
        return "a symbolic link"
    if GITLINK_MODE in (f.mode_after, f.mode_before):
        return "a submodule (a pointer to another repository's commit)"
    if f.mode_after == EXEC_MODE:
        return "an executable file (mode 100755)"
    return None


def mode_change(f: FileDiff) -> str | None:
    """The mode change a diff makes to a plain file (``100644 → 100755``), if any."""
    before, after = f.mode_before, f.mode_after
    if f.is_new and after not in (None, "100644"):
        return f"created with mode {after}"
    if before is not None and after is not None and before != after:
        return f"mode {before} → {after}"
    return None
