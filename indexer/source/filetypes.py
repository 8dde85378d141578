"""File name → language id.

Code languages have a tree-sitter grammar (see ``indexer.parse.languages``); text kinds
(markdown, toml, yaml, json, text, ...) are indexed in line windows.
"""

from __future__ import annotations

from pathlib import PurePosixPath

CODE_LANGUAGES: frozenset[str] = frozenset(
    {"python", "javascript", "typescript", "tsx", "go", "java", "rust"}
)

_BY_SUFFIX: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".java": "java",
    ".rs": "rust",
    ".md": "markdown",
    ".markdown": "markdown",
    ".rst": "rst",
    ".txt": "text",
    ".toml": "toml",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".cfg": "ini",
    ".ini": "ini",
    ".sh": "shell",
    ".bash": "shell",
    ".sql": "sql",
    ".html": "html",
    ".css": "css",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".rb": "ruby",
    ".php": "php",
    ".kt": "kotlin",
    ".swift": "swift",
    ".cs": "csharp",
    ".scala": "scala",
    ".proto": "proto",
    ".graphql": "graphql",
    ".scm": "scheme",  # tree-sitter queries, among others
    ".xml": "xml",
    ".gradle": "gradle",
    ".kts": "gradle",  # build.gradle.kts (Kotlin script)
    ".tf": "terraform",
}

_BY_NAME: dict[str, str] = {
    "Makefile": "make",
    "Dockerfile": "docker",
    "Jenkinsfile": "groovy",
    "Containerfile": "docker",
    "go.mod": "gomod",
    "go.sum": "gosum",
    "go.work": "gomod",
    "Cargo.toml": "toml",
    "Cargo.lock": "toml",
    "poetry.lock": "toml",
    "uv.lock": "toml",
    "Pipfile": "toml",
    "Gemfile": "ruby",
    "GNUmakefile": "make",
    "makefile": "make",
    "README": "text",
    "LICENSE": "text",
    "CHANGES": "text",
    "AUTHORS": "text",
}


def language_for(path: str) -> str | None:
    """The language id of a repo-relative path, or None when it is not a kind we index."""
    p = PurePosixPath(path)
    if p.name in _BY_NAME:
        return _BY_NAME[p.name]
    return _BY_SUFFIX.get(p.suffix.lower())


def is_code(language: str | None) -> bool:
    return language in CODE_LANGUAGES
