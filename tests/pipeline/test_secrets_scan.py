"""Tests for pipeline.secrets_scan: the gitleaks-derived rules and detect-secrets over every line
a diff adds (attacks on the gate are in test_attack_secrets.py)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from detect_secrets.settings import get_settings

from specpilot.pipeline.core.diffparse import parse_diff
from specpilot.pipeline.core.errors import DiffError, PolicyError, SecretsFound
from specpilot.pipeline.deliver.secret_gate import commit_block, ensure_push_is_clean
from specpilot.pipeline.secrets.binary_patch import added_bytes
from specpilot.pipeline.secrets.rules import entropy
from specpilot.pipeline.secrets.samples import SAMPLES, sample
from specpilot.pipeline.secrets.scan import (
    SecretFinding,
    ensure_no_secrets,
    fingerprint,
    scan_diff,
)
from tests.pipeline.policy_fixtures import AWS_KEY_LINE, git, init_repo, make_diff, write

SECRET = AWS_KEY_LINE.split('"')[1]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def test_aws_key_is_found_with_file_line_rule_and_fingerprint(repo: Path) -> None:
    text = make_diff(repo, {"src/app.py": f"def add(a, b):\n    return a + b\n{AWS_KEY_LINE}\n"})
    assert scan_diff(text) == (
        SecretFinding("src/app.py", 3, "aws-access-key-id", fingerprint(SECRET)),
    )


def test_error_names_file_line_rule_and_fingerprint_but_never_the_secret(repo: Path) -> None:
    text = make_diff(repo, {"config/prod.env.py": f"X = 1\n{AWS_KEY_LINE}\n"})
    with pytest.raises(SecretsFound) as info:
        ensure_no_secrets(parse_diff(text))
    message = str(info.value)
    assert "config/prod.env.py:2 (aws-access-key-id)" in message
    assert fingerprint(SECRET) in message and "secrets_allowlist" in message
    assert SECRET not in message
    assert SECRET not in repr(scan_diff(text))


def test_clean_and_removed_lines_pass_but_a_pragma_does_not(repo: Path) -> None:
    assert scan_diff(make_diff(repo, {"docs/usage.md": "# Usage\n\nRun it twice.\n"})) == ()
    repo_with_key = init_repo(repo.parent / "other", {"src/keys.py": AWS_KEY_LINE + "\n"})
    assert scan_diff(make_diff(repo_with_key, {"src/keys.py": None})) == ()
    pragma = f"{AWS_KEY_LINE}  # pragma: allowlist secret\n"
    assert [f.rule for f in scan_diff(make_diff(repo, {"src/k.py": pragma}))] == [
        "aws-access-key-id"
    ]


def test_every_sample_format_is_found_by_one_of_its_rules_only(repo: Path) -> None:
    samples = {fmt: sample(fmt, random.Random(fmt)) for fmt in sorted(SAMPLES)}
    files = {
        f"src/{fmt}.py": f'X = 1\n{s.name} = "{s.secret.replace(chr(10), chr(92) + "n")}"\n'
        for fmt, s in samples.items()
    }
    found: dict[str, list[tuple[int, str]]] = {}
    for f in scan_diff(make_diff(repo, files)):
        found.setdefault(f.path, []).append((f.line, f.rule))
    for fmt, s in samples.items():
        ((line, rule),) = found[f"src/{fmt}.py"]
        assert line == 2 and rule in s.rules, (fmt, rule)


def test_a_pem_header_without_a_key_body_is_ordinary_code(repo: Path) -> None:
    head, foot = "-----BEGIN RSA PRIVATE" + " KEY-----", "-----END RSA PRIVATE" + " KEY-----"
    code = f'HEAD = "{head}"\nFOOT = "{foot}"\n\n\ndef is_pem(text):\n    return HEAD in text\n'
    assert scan_diff(make_diff(repo, {"src/pem.py": code})) == ()


def test_url_placeholders_and_keyword_code_are_not_secrets(repo: Path) -> None:
    code = (
        'ENGINE = "postgresql://scott:tiger@localhost/test"\n'
        'URL = f"{scheme}://{user}:{password}@{host}"\n'
        'BROKER = "redis://:${REDIS_PASSWORD}@redis:6379/0"\n'
        "token = self.get_token(request)\n"
        "password_hash = generate_password_hash(password)\n"
        'api_key = os.environ["API_KEY"]\n'
        'secret_key_file = "/etc/app/keys/secret.key"\n'
        "def sign(private_key: Ed25519PrivateKey2, token: Tokenizer4Bit) -> None: ...\n"
        '("CUDA_POINTER_ATTRIBUTE_P2P_TOKENS", "HIP_POINTER_ATTRIBUTE_P2P_TOKENS"),\n'
        'update_token = "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"\n'
        "TOKEN_INTROSPECTION_JWT = 'application/token-introspection+jwt'\n"
        'verify_token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."\n'
        'REPO = "https://oauth2:my-token@gitlab.com/org/repo.git"\n'
    )
    assert scan_diff(make_diff(repo, {"src/db.py": code})) == ()
    # the same unquoted shapes are values in a config file, and a credential pair is a pair
    conf = "private_key: Ed25519PrivateKey2Xq7Lk9Zr\n"
    value = sample("generic-client-secret", random.Random(3)).secret
    pair = f'config.set("client_secret", "{value}")\n'
    found = scan_diff(make_diff(repo, {"deploy/values.yaml": conf, "src/conf.py": pair}))
    assert [(f.path, f.rule) for f in found] == [
        ("deploy/values.yaml", "generic-secret"),
        ("src/conf.py", "generic-secret"),
    ]


def test_the_allowlist_is_validated_and_never_echoes_a_secret(repo: Path) -> None:
    text = make_diff(repo, {"src/app.py": AWS_KEY_LINE + "\n"})
    with pytest.raises(PolicyError, match="secrets_allowlist entry 'AKIA'"):
        scan_diff(text, allowlist=("AKIA",))
    assert scan_diff(text, allowlist=("*@src/**",)) == ()


def test_a_binary_file_without_its_bytes_in_the_diff_is_blocked(repo: Path) -> None:
    text = make_diff(repo, {"assets/x.bin": b"\x00\x01key\n"}, binary=False)
    assert [(f.path, f.rule) for f in scan_diff(text)] == [("assets/x.bin", "unreadable-binary")]
    with pytest.raises(DiffError, match="expected 'literal N' or 'delta N'"):
        added_bytes(["GIT binary patch"], "assets/x.bin")


def test_entropy_is_bits_per_character() -> None:
    assert entropy("") == 0.0 and entropy("aaaa") == 0.0 and entropy("ab") == 1.0


def test_global_detect_secrets_settings_are_restored(repo: Path) -> None:
    before = get_settings().json()
    scan_diff(make_diff(repo, {"src/app.py": AWS_KEY_LINE + "\n"}))
    assert get_settings().json() == before


def test_the_commit_gate_uses_the_allowlist_of_the_base_commit_only(repo: Path) -> None:
    diff = make_diff(repo, {"src/app.py": AWS_KEY_LINE + "\n"})
    head = git(repo, "rev-parse", "HEAD").strip()
    blocked = commit_block(repo, head, diff)
    assert blocked is not None and "src/app.py:1 (aws-access-key-id)" in blocked
    allow = f'secrets_allowlist = ["{fingerprint(SECRET)}"]\n'
    write(repo, {".specpilot/policy.toml": allow})  # in the work tree only: does not count
    assert commit_block(repo, head, diff) is not None
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "allow the example key")
    assert commit_block(repo, git(repo, "rev-parse", "HEAD").strip(), diff) is None


def test_a_push_to_a_remote_without_the_base_branch_scans_the_whole_tree(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"src/keys.py": AWS_KEY_LINE + "\n"})
    git(tmp_path, "init", "-q", "--bare", "empty.git")
    git(repo, "remote", "add", "origin", str(tmp_path / "empty.git"))
    head = git(repo, "rev-parse", "HEAD").strip()
    with pytest.raises(SecretsFound, match=r"src/keys\.py:1 \(aws-access-key-id\)"):
        ensure_push_is_clean(repo, "origin", head, "main")
