"""Who the Messages API client authenticates as, read from the environment.

Apart from ``model/anthropic.py`` so that deciding whether there is a model at all (a no-key
suggest run has none) does not import the Anthropic SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import NoModelError

API_KEY_ENV = "ANTHROPIC_API_KEY"
AUTH_TOKEN_ENV = "ANTHROPIC_AUTH_TOKEN"
BASE_URL_ENV = "ANTHROPIC_BASE_URL"


@dataclass(frozen=True, slots=True)
class Auth:
    """The credential sent to the server: an API key, a bearer token, or none."""

    kind: Literal["api_key", "auth_token", "none"]
    secret: str = field(default="", repr=False)


def auth_from_env(
    config: PipelineConfig, environ: Mapping[str, str], *, base_url: str | None
) -> Auth | None:
    """The credential ``config.auth`` asks for, from ``environ``; None when there is none to
    use (NoModelError when the one ``config.auth`` names is not set).

    ``auto``: ``ANTHROPIC_API_KEY``, else ``ANTHROPIC_AUTH_TOKEN``, else — when ``base_url``
    names a server of the user's own — no credential (a local server needs none)."""
    key, token = environ.get(API_KEY_ENV, ""), environ.get(AUTH_TOKEN_ENV, "")
    if config.auth == "none":
        return Auth("none")
    if config.auth == "api_key" or (config.auth == "auto" and key):
        if not key:
            raise NoModelError(f"pipeline.auth is 'api_key' but {API_KEY_ENV} is not set.")
        return Auth("api_key", key)
    if config.auth == "auth_token" or (config.auth == "auto" and token):
        if not token:
            raise NoModelError(f"pipeline.auth is 'auth_token' but {AUTH_TOKEN_ENV} is not set.")
        return Auth("auth_token", token)
    return Auth("none") if base_url else None
