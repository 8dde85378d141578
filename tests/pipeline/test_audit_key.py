"""Tests for pipeline.audit_key: the key file is made race-free with mode 0600, a file others could
read or that is not the user's is refused, and a key never sits next to the log or in the repo."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from specpilot.pipeline.audit.key import (
    check_key_placement,
    default_key_path,
    key_from_hex,
    load_key_file,
    load_or_create_key,
)
from specpilot.pipeline.audit.log import AuditEntry, append
from specpilot.pipeline.core.errors import AuditKeyError


def test_the_key_is_created_once_private_and_race_free(tmp_path: Path) -> None:
    path = default_key_path(tmp_path / "home")
    keys: list[bytes] = []

    def first_use() -> None:
        keys.append(load_or_create_key(path).secret)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1 and len(keys[0]) == 32  # everyone agreed on one key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert os.listdir(path.parent) == ["audit.key"]  # no temporary file left behind
    key = load_key_file(path)
    assert key.secret == keys[0] and key.path == path and "secret" not in repr(key)
    assert key.secret.hex() not in repr(key)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k" / "audit.key"
    load_or_create_key(path)
    path.chmod(0o640)
    with pytest.raises(AuditKeyError, match=r"mode 0640\); run `chmod 600"):
        load_or_create_key(path)


def test_a_key_file_of_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "k" / "audit.key"
    load_or_create_key(path)
    if os.geteuid() == 0:
        os.chown(path, 65534, -1)
    else:
        uid = os.geteuid()
        monkeypatch.setattr(os, "geteuid", lambda: uid + 1)
    with pytest.raises(AuditKeyError, match="not by you"):
        load_key_file(path)


def test_a_dangling_symlink_is_not_followed_to_create_a_key(tmp_path: Path) -> None:
    path = tmp_path / "k" / "audit.key"
    path.parent.mkdir()
    target = tmp_path / "repo" / "stolen.key"
    path.symlink_to(target)
    with pytest.raises(AuditKeyError, match="does not exist"):
        load_or_create_key(path)
    assert not target.exists()


@pytest.mark.parametrize("text", ["", "zz" * 32, "ab" * 15, "ab" * 32 + "x"])
def test_a_malformed_key_is_refused_without_echoing_it(text: str) -> None:
    with pytest.raises(AuditKeyError, match="at least 32 hex digits") as err:
        key_from_hex(text, source="SPECPILOT_AUDIT_KEY")
    assert not text or text not in str(err.value)


def test_the_key_never_sits_next_to_the_log_or_in_the_repo(tmp_path: Path) -> None:
    log = tmp_path / "audit" / "audit.jsonl"
    repo = tmp_path / "repo"
    check_key_placement(tmp_path / "keys" / "audit.key", log=log, repo=repo)
    with pytest.raises(AuditKeyError, match="inside the audit directory"):
        check_key_placement(tmp_path / "audit" / "keys" / "audit.key", log=log)
    with pytest.raises(AuditKeyError, match="inside the target repository"):
        check_key_placement(repo / ".specpilot" / "audit.key", log=log, repo=repo)
    beside = load_or_create_key(tmp_path / "audit" / "audit.key")
    with pytest.raises(AuditKeyError, match="inside the audit directory"):
        append(log, AuditEntry(run_id="r", repo="/r", actor="a"), key=beside)
    assert not log.exists()
