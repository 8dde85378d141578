"""Which audit key a command uses: the user's choice, never the target repository's.

In order, exactly one source:

    SPECPILOT_AUDIT_KEY        the key itself, as hex digits (at least 32; CI secrets)
    SPECPILOT_AUDIT_KEY_FILE   a key file (hex digits, mode 0600, owned by you)
    user config                ``[audit] key_file`` in ``$SPECPILOT_HOME/config.toml``
                               (passed in as ``user_key_file`` by the caller)
    $SPECPILOT_HOME/keys/audit.key   the default, created on first use by a run

``[tool.specpilot]`` in the repository has no say (DESIGN.md, "Trust boundary"). A key file
inside the audit directory or the repository is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from specpilot.indexer import specpilot_home
from specpilot.pipeline import (
    AuditKey,
    AuditKeyError,
    check_key_placement,
    default_key_path,
    key_from_hex,
    load_key_file,
    load_or_create_key,
)

KEY_ENV = "SPECPILOT_AUDIT_KEY"
KEY_FILE_ENV = "SPECPILOT_AUDIT_KEY_FILE"


def audit_key(
    environ: Mapping[str, str],
    *,
    log: Path,
    repo: Path | None = None,
    user_key_file: str | None = None,
) -> AuditKey:
    """The key a run chains ``log`` with; the default key file is made on first use.
    AuditKeyError names what is wrong (a malformed key, a file others can read, ...)."""
    chosen = _choose(environ, log, repo, user_key_file)
    if isinstance(chosen, AuditKey):
        return chosen
    path, named = chosen
    return load_key_file(path) if named else load_or_create_key(path)


def existing_audit_key(
    environ: Mapping[str, str],
    *,
    log: Path,
    repo: Path | None = None,
    user_key_file: str | None = None,
) -> AuditKey | None:
    """The key to check ``log`` with (verify, head), never created: ``None`` when the default
    key file does not exist yet (an empty or unkeyed log needs none). A named file must exist."""
    chosen = _choose(environ, log, repo, user_key_file)
    if isinstance(chosen, AuditKey):
        return chosen
    path, named = chosen
    if named or path.exists() or path.is_symlink():
        return load_key_file(path)
    return None


def _choose(
    environ: Mapping[str, str], log: Path, repo: Path | None, user_key_file: str | None
) -> AuditKey | tuple[Path, bool]:
    """The key from the environment, or the key file's path and whether the user named it."""
    inline, named = environ.get(KEY_ENV, ""), environ.get(KEY_FILE_ENV, "")
    if inline and named:
        raise AuditKeyError(f"Both {KEY_ENV} and {KEY_FILE_ENV} are set; set only one of them.")
    if inline:
        return key_from_hex(inline, source=KEY_ENV)
    chosen = named or user_key_file
    path = Path(chosen).expanduser().absolute() if chosen else default_key_path(specpilot_home())
    check_key_placement(path, log=log, repo=repo)
    return path, bool(chosen)
