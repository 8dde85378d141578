"""The audit chain's key: a secret that never lives next to the log.

The key is at least 16 random bytes (specpilot makes 32), written as hex digits. Where it comes
from is the user's choice, never the target repository's (DESIGN.md, "Trust boundary"); the
CLI / flows layer picks one source and passes the :class:`AuditKey` in explicitly:

- the key itself, as hex, in ``SPECPILOT_AUDIT_KEY`` (CI: a secret variable);
- a key file named by ``SPECPILOT_AUDIT_KEY_FILE`` or the user config;
- ``$SPECPILOT_HOME/keys/audit.key``, created on first use (:func:`load_or_create_key`).

A key file holds the hex digits and a newline, is owned by the user and readable by nobody else
(mode 0600 or stricter); any other file is refused with a one-line :class:`AuditKeyError`. It
may not sit inside the audit directory or the target repository (:func:`check_key_placement`):
whoever can write the log must not be able to read the key. The secret is never logged and is
left out of the dataclass's ``repr``; records carry only its :attr:`AuditKey.key_id`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from specpilot.pipeline.core.errors import AuditKeyError

logger = logging.getLogger(__name__)

KEY_BYTES = 32  # what specpilot generates
MIN_KEY_BYTES = 16  # the shortest key accepted from the user
_KEY_ID_MESSAGE = b"specpilot audit key id"
_MAX_KEY_FILE = 4096
MAKE_KEY_HINT = "`umask 077; openssl rand -hex 32 > FILE`"


@dataclass(frozen=True, slots=True)
class AuditKey:
    secret: bytes = field(repr=False)
    source: str  # where the key came from, for messages: an environment variable or a path
    path: Path | None = None  # the key file, when it came from one

    @property
    def key_id(self) -> str:
        """A public name for the key (16 hex digits), stored in every record and the head: a
        log checked with another key says which key it wants, without revealing either."""
        return hmac.new(self.secret, _KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:16]

    def mac(self, domain: bytes, text: str) -> str:
        """The hex HMAC-SHA256 of ``domain + text``; the domain keeps record and head MACs
        apart."""
        return hmac.new(self.secret, domain + text.encode("utf-8"), hashlib.sha256).hexdigest()


def default_key_path(home: Path) -> Path:
    """The key under a specpilot home (``$SPECPILOT_HOME``): beside, not inside, ``audit/``."""
    return home / "keys" / "audit.key"


def key_from_hex(text: str, *, source: str) -> AuditKey:
    """The key written as hex digits (surrounding whitespace ignored); never echoed back."""
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError:
        secret = b""
    if len(secret) < MIN_KEY_BYTES:
        raise AuditKeyError(
            f"The audit key from {source} is not valid: it must be at least {MIN_KEY_BYTES * 2} "
            f"hex digits (make one with `openssl rand -hex {KEY_BYTES}`)."
        )
    return AuditKey(secret, source)


def load_key_file(path: Path) -> AuditKey:
    """Read a key file, refusing one that others could read or that is not the user's."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise AuditKeyError(
            f"The audit key file {path} does not exist; create it with "
            f"{MAKE_KEY_HINT.replace('FILE', str(path))}, or name another one."
        ) from None
    except OSError as err:
        raise AuditKeyError(f"Cannot open the audit key file {path}: {err.strerror}.") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise AuditKeyError(f"The audit key file {path} is not a regular file.")
        if st.st_uid != os.geteuid():
            raise AuditKeyError(
                f"The audit key file {path} is owned by uid {st.st_uid}, not by you "
                f"(uid {os.geteuid()}); use a key file of your own."
            )
        if st.st_mode & 0o077:
            raise AuditKeyError(
                f"The audit key file {path} is readable or writable by group or others "
                f"(mode {stat.S_IMODE(st.st_mode):04o}); run `chmod 600 {path}`."
            )
        raw = os.read(fd, _MAX_KEY_FILE)
    finally:
        os.close(fd)
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        text = ""
    key = key_from_hex(text, source=str(path))
    return AuditKey(key.secret, str(path), path)


def load_or_create_key(path: Path) -> AuditKey:
    """The key file at ``path``; on first use a new random key, created race-free.

    The key is written to a private temporary file (``O_CREAT | O_EXCL``, mode 0600) and
    published with ``link``, which fails when the name exists: two first runs at once agree on
    one key, and nobody ever reads a half-written file.
    """
    if path.exists() or path.is_symlink():
        return load_key_file(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, (secrets.token_hex(KEY_BYTES) + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
            logger.warning(
                "audit: created the audit key %s; keep a copy apart from the log, which "
                "cannot be verified without it",
                path,
            )
        except FileExistsError:
            pass  # another process created the key first: use theirs
        finally:
            tmp.unlink()
    except OSError as err:
        raise AuditKeyError(f"Cannot create the audit key file {path}: {err}.") from None
    return load_key_file(path)


def check_key_placement(key_path: Path, *, log: Path, repo: Path | None = None) -> None:
    """Refuse a key file inside the audit directory (the log's folder, or below it) or inside
    the target repository: whoever writes there could read the key and re-forge the chain."""
    where = key_path.expanduser().resolve()
    audit_dir = log.expanduser().resolve().parent
    if where.is_relative_to(audit_dir):
        raise AuditKeyError(
            f"The audit key file {key_path} is inside the audit directory {audit_dir}; keep the "
            "key away from the log (default: $SPECPILOT_HOME/keys/audit.key)."
        )
    if repo is not None and where.is_relative_to(repo.expanduser().resolve()):
        raise AuditKeyError(
            f"The audit key file {key_path} is inside the target repository {repo}; keep the "
            "key out of the repository (default: $SPECPILOT_HOME/keys/audit.key)."
        )
