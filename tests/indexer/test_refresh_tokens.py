from __future__ import annotations

import subprocess

from specpilot.indexer.parse.tokens import code_tokens, identifiers
from specpilot.indexer.source.refresh import blob_hash, plan_refresh


def test_plan_is_a_pure_diff_of_paths_and_hashes() -> None:
    stored = {"a.py": "1", "b.py": "2", "gone.py": "3"}
    current = {"a.py": "1", "b.py": "9", "new.py": "4"}
    plan = plan_refresh(current, stored)
    assert plan.added == ("new.py",)
    assert plan.changed == ("b.py",)
    assert plan.deleted == ("gone.py",)
    assert plan.unchanged == 1
    assert plan.to_index == ("new.py", "b.py")
    assert plan_refresh(stored, stored).empty


def test_blob_hash_matches_git(tmp_path) -> None:
    f = tmp_path / "x.txt"
    f.write_bytes(b"hello\n")
    git = subprocess.run(["git", "hash-object", str(f)], capture_output=True, text=True, check=True)
    assert blob_hash(b"hello\n") == git.stdout.strip()


def test_code_tokens_split_identifiers_and_keep_compounds() -> None:
    assert code_tokens("get_adapter(HTTPAdapter)") == [
        "get",
        "adapter",
        "get_adapter",
        "http",
        "adapter",
        "httpadapter",
    ]
    assert "the" not in code_tokens("the session")


def test_identifiers_in_free_text() -> None:
    ids = identifiers("Fix get_adapter in Session.mount; HTTPAdapter breaks on os.path and the url")
    assert ids[:2] == ["get_adapter", "Session.mount"]
    assert "HTTPAdapter" in ids and "os.path" in ids
    assert "url" not in ids and "Fix" not in ids
