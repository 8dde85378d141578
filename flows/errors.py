"""Errors of the composition root (config files, CLI arguments).

ConfigError   a config file or --set override is malformed (names the key and valid ones)
"""

from __future__ import annotations


class ConfigError(Exception):
    pass
