"""Attacks on the secret gate from outside: hostile diffs (real ``git diff --binary`` of a tmp
repo), a hostile model reply through the real SDK, a hostile local history at push time.

Each bypass of the issue (pragma comment, CSS/SVG, lockfiles, a NUL byte, unquoted tokens in
YAML/.env, URL passwords, provider formats detect-secrets does not know) must be blocked with
``file:line`` and the rule named, and the secret must never appear in the error, the findings,
the report or the log. Ordinary high-entropy code (hashes, commit ids, integrity strings,
UUIDs, base64 fixtures) must pass. Tokens are generated at run time from a seeded RNG. The commit- and push-time attacks are in
test_attack_secrets_push.py.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest

from specpilot.pipeline.core.diffparse import parse_diff
from specpilot.pipeline.core.errors import SecretsFound
from specpilot.pipeline.secrets.samples import ordinary_values
from specpilot.pipeline.secrets.scan import ensure_no_secrets, scan_diff
from tests.pipeline.policy_fixtures import (
    git,
    init_repo,
    make_diff,
    write,
)
from tests.pipeline.secret_tokens import RNG, T

PW = "".join(
    RNG.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(20)
)

NUL_BLOB = b"\x89BIN\x00\x01\x02\x00\n" + f"token={T['github-pat']}\n".encode() + b"\x00\xff\n"

# (case id, path, content, line of the secret, rule id, the secret)
BYPASSES: list[tuple[str, str, str | bytes, int, str, str]] = [
    (
        "inline-pragma",
        "src/settings.py",
        f'X = 1\nGITHUB = "{T["github-pat"]}"  # pragma: allowlist secret\n',
        2,
        "github-token",
        T["github-pat"],
    ),
    (
        "css",
        "static/site.css",
        f'.hero {{\n  background: url("https://cdn.example.org/a.png?k={T["gcp-api-key"]}");\n}}\n',
        2,
        "gcp-api-key",
        T["gcp-api-key"],
    ),
    (
        "svg",
        "static/logo.svg",
        f'<svg xmlns="http://www.w3.org/2000/svg">\n<desc>{T["huggingface-token"]}</desc>\n</svg>\n',
        2,
        "huggingface-token",
        T["huggingface-token"],
    ),
    (
        "poetry-lock",
        "poetry.lock",
        f'[[package]]\nname = "x"\n\n[package.source]\nurl = "https://{T["github-pat"]}@github.com/o/x"\n',
        5,
        "github-token",
        T["github-pat"],
    ),
    (
        "package-lock",
        "package-lock.json",
        f'{{\n  "packages": {{\n    "": {{"_auth": "{T["npm-token"]}"}}\n  }}\n}}\n',
        3,
        "npm-token",
        T["npm-token"],
    ),
    ("nul-byte", "data/blob.bin", NUL_BLOB, 2, "github-token", T["github-pat"]),
    (
        "yaml-fine-grained-pat",
        "deploy/config.yml",
        f"github:\n  token: {T['github-fine-grained-pat']}\n",
        2,
        "github-fine-grained-pat",
        T["github-fine-grained-pat"],
    ),
    (
        "env-google",
        ".env",
        f"DEBUG=1\nGOOGLE_MAPS={T['gcp-api-key']}\n",
        2,
        "gcp-api-key",
        T["gcp-api-key"],
    ),
    (
        "redis-empty-user",
        "src/cache.py",
        f'CACHE_URL = "redis://:{PW}@cache.internal:6379/0"\n',
        1,
        "url-password",
        PW,
    ),
    (
        "anthropic-env",
        ".env",
        f"ANTHROPIC_API_KEY={T['anthropic-api-key']}\n",
        1,
        "anthropic-api-key",
        T["anthropic-api-key"],
    ),
    (
        "anthropic-call-argument",
        "src/client.py",
        f'import anthropic\nclient = anthropic.Anthropic(api_key="{T["anthropic-api-key"]}")\n',
        2,
        "anthropic-api-key",
        T["anthropic-api-key"],
    ),
    (
        "huggingface",
        "src/hub.py",
        f'login("{T["huggingface-token"]}")\n',
        1,
        "huggingface-token",
        T["huggingface-token"],
    ),
    (
        "databricks",
        "conf/databricks.cfg",
        f"[DEFAULT]\nhost = https://x.cloud.databricks.com\ntoken = {T['databricks-token']}\n",
        3,
        "databricks-token",
        T["databricks-token"],
    ),
    (
        "digitalocean",
        "infra/main.tf",
        f'provider "digitalocean" {{\n  token = "{T["digitalocean-pat"]}"\n}}\n',
        2,
        "digitalocean-token",
        T["digitalocean-pat"],
    ),
    (
        "shopify",
        "shop.rb",
        f'ShopifyAPI::Session.new(token: "{T["shopify-access-token"]}")\n',
        1,
        "shopify-token",
        T["shopify-access-token"],
    ),
    (
        "gitattributes-binary",
        "src/keys.py",
        f'STRIPE = "{T["stripe-secret-key"]}"\n',
        1,
        "stripe-key",
        T["stripe-secret-key"],
    ),
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def _assert_blocked(
    message: str, findings_repr: str, where: str, rule: str, secret: str, logs: str
) -> None:
    assert where in message and rule in message, message
    for text in (message, findings_repr, logs):
        assert secret not in text


@pytest.mark.parametrize(
    ("case", "path", "content", "line", "rule", "secret"), BYPASSES, ids=[b[0] for b in BYPASSES]
)
def test_each_bypass_is_blocked_naming_file_line_and_rule_never_the_secret(
    repo: Path,
    caplog: pytest.LogCaptureFixture,
    case: str,
    path: str,
    content: str | bytes,
    line: int,
    rule: str,
    secret: str,
) -> None:
    if case == "gitattributes-binary":  # the agent marks its own file binary
        diff = make_diff(repo, {".gitattributes": "*.py binary\n", path: content})
        assert "GIT binary patch" in diff
    else:
        diff = make_diff(repo, {path: content})
    if case == "nul-byte":
        assert "GIT binary patch" in diff  # git itself treats the file as binary
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SecretsFound) as info:
        ensure_no_secrets(parse_diff(diff))
    _assert_blocked(
        str(info.value), repr(scan_diff(diff)), f"{path}:{line}", rule, secret, caplog.text
    )


def test_a_modified_binary_file_sent_as_a_git_delta_is_scanned(repo: Path) -> None:
    blob = bytes(RNG.randrange(256) for _ in range(20000)) + b"\x00"
    write(repo, {"assets/model.bin": blob})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a binary asset")
    changed = blob[:9000] + f"\nkey={T['databricks-token']}\n".encode() + blob[9000:]
    diff = make_diff(repo, {"assets/model.bin": changed})
    assert "\ndelta " in diff  # git sends only the change against the old blob
    findings = scan_diff(diff)
    assert [(f.path, f.rule) for f in findings] == [("assets/model.bin", "databricks-token")]
    assert T["databricks-token"] not in repr(findings)


def test_ordinary_high_entropy_code_is_not_blocked(repo: Path) -> None:
    v = ordinary_values(random.Random(7))
    files = {
        "src/hashes.py": f'EMPTY_SHA256 = "{v["empty_sha256"]}"\nMD5 = "{v["md5"]}"\n',
        "src/version.py": f'GIT_COMMIT = "{v["git_sha"]}"\nrevision: {v["git_sha"]}\n',
        "package-lock.json": f'{{"integrity": "{v["npm_integrity"]}"}}\n',
        "src/ids.py": f'REQUEST_ID = "{v["uuid"]}"\nuuid = uuid.UUID("{v["uuid"]}")\n',
        "tests/test_codec.py": f'PAYLOAD = "{v["base64_fixture"]}"\nassert decode(PAYLOAD)\n',
        "web/app.css": f".a {{ color: #ffffff; }}\n/* sha: {v['git_sha']} */\n",
        ".env": f"RELEASE_SHA={v['git_sha']}\nDEBUG=true\n",
    }
    assert scan_diff(make_diff(repo, files)) == ()


def test_only_the_policy_allowlist_the_user_keeps_lets_a_finding_through(repo: Path) -> None:
    diff = make_diff(repo, {"tests/fixture.py": f'TOKEN = "{T["github-pat"]}"\n'})
    (finding,) = scan_diff(diff)
    assert finding.fingerprint.startswith("sha256:") and T["github-pat"] not in finding.fingerprint
    assert scan_diff(diff, allowlist=(finding.fingerprint,)) == ()
    assert scan_diff(diff, allowlist=("github-token@tests/**",)) == ()
    assert scan_diff(diff, allowlist=("github-token@src/**",)) == (finding,)
