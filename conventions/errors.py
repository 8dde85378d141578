"""Errors raised by the conventions package.

    ConventionsError
    ├── ConfigError          a ConventionsConfig value is out of range
    ├── FactsError           stored per-file facts or a stored profile cannot be read
    ├── NoProfileError       a profile was asked for where no facts were ever stored
    └── DiffParseError       a unified diff cannot be parsed (names the line)

Every message is a whole sentence naming the input and what would be valid.
"""

from __future__ import annotations


class ConventionsError(Exception):
    """Root of every error the conventions package raises."""


class ConfigError(ConventionsError, ValueError):
    """A config value out of range (also a ValueError, like every package's config error)."""


class FactsError(ConventionsError):
    pass


class NoProfileError(ConventionsError):
    pass


class DiffParseError(ConventionsError):
    pass
