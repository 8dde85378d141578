"""Attacks on the secret gate from outside: hostile diffs (real ``git diff --binary`` of a tmp
repo), a hostile model reply through the real SDK, a hostile local history at push time.

Each bypass of the issue (pragma comment, CSS/SVG, lockfiles, a NUL byte, unquoted tokens in
YAML/.env, URL passwords, provider formats detect-secrets does not know) must be blocked with
``file:line`` and the rule named, and the secret must never appear in the error, the findings,
the report or the log. Ordinary high-entropy code (hashes, commit ids, integrity strings,
UUIDs, base64 fixtures) must pass. Tokens are generated at run time from a seeded RNG.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.diffparse import parse_diff
from specpilot.pipeline.core.errors import SecretsFound
from specpilot.pipeline.deliver.deliver import deliver_change
from specpilot.pipeline.deliver.deploy import deploy
from specpilot.pipeline.deliver.github import GitHubClient
from specpilot.pipeline.run.drive import run_spec
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.secrets.samples import ordinary_values, sample
from specpilot.pipeline.secrets.scan import ensure_no_secrets, scan_diff
from specpilot.pipeline.testing import tool_reply
from specpilot.pipeline.tiers.policy import Policy
from specpilot.pipeline.tiers.tiering import decide
from tests.fake_github import FakeGitHub
from tests.pipeline.conftest import StartServer
from tests.pipeline.policy_fixtures import (
    AUDIT_KEY,
    bare_remote,
    git,
    init_repo,
    make_diff,
    refs,
    write,
)
from tests.pipeline.run_helpers import edit, model_for, plan_reply

RNG = random.Random(14)
T = {
    fmt: sample(fmt, RNG).secret
    for fmt in (
        "github-pat",
        "github-fine-grained-pat",
        "gcp-api-key",
        "anthropic-api-key",
        "huggingface-token",
        "databricks-token",
        "digitalocean-pat",
        "shopify-access-token",
        "npm-token",
        "stripe-secret-key",
        "aws-access-key-id",
    )
}
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


# --- the push path: the final diff against the remote base --------------------------------


def test_push_scans_the_final_diff_against_the_remote_base_not_only_the_change(
    tmp_path: Path,
) -> None:
    """The change is clean, but local main carries an unpushed commit with a key: a PR push
    would send it too, so the push is refused."""
    repo = init_repo(tmp_path / "repo")
    remote = bare_remote(repo, tmp_path / "remote.git")
    write(repo, {"src/conf.py": f'DO = "{T["digitalocean-pat"]}"\n'})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "local only")
    diff = make_diff(repo, {"docs/usage.md": "# Usage\n\nRun it twice.\n"})
    decision = decide(parse_diff(diff), Policy(), mode="pr")
    before = refs(remote)
    with pytest.raises(SecretsFound) as info:
        deploy(
            decision,
            repo=repo,
            diff_text=diff,
            branch="specpilot/docs",
            base="main",
            out_dir=tmp_path / "out",
            policy=Policy(),
            title="Docs",
        )
    assert "src/conf.py:1 (digitalocean-token)" in str(info.value)
    assert T["digitalocean-pat"] not in str(info.value)
    assert refs(remote) == before


def test_a_token_in_the_plan_or_test_output_never_reaches_a_github_pr(tmp_path: Path) -> None:
    """The PR description (model-written plan, output of the agent's tests) goes to GitHub:
    it is scanned before anything is pushed or any PR is opened."""
    repo = init_repo(tmp_path / "repo")
    remote = bare_remote(repo, tmp_path / "remote.git")
    diff = make_diff(repo, {"docs/usage.md": "# Usage\n\nRun it twice.\n"})
    decision = decide(parse_diff(diff), Policy(), mode="pr")
    before = refs(remote)
    leaks = {"plan": f"1. Log in with {T['npm-token']}", "test_summary": f"key={T['npm-token']}"}
    for field, text in leaks.items():
        with FakeGitHub(token="gh-test", git_dir=remote) as fake:
            client = GitHubClient(fake.repo, token="gh-test", base_url=fake.base_url)
            args = {"plan": "1. Edit the docs", "test_summary": "3 passed", field: text}
            with pytest.raises(SecretsFound) as info:
                deploy(
                    decision,
                    repo=repo,
                    diff_text=diff,
                    branch=f"specpilot/{field}",
                    base="main",
                    out_dir=tmp_path / field,
                    policy=Policy(),
                    title="Docs",
                    github=client,
                    **args,
                )
            assert not fake.calls("POST") and refs(remote) == before
        assert "PR description" in str(info.value) and "npm-token" in str(info.value)
        assert T["npm-token"] not in str(info.value)


# --- end to end: a hostile model through the real SDK ----------------------------------------

SPEC = parse_spec(
    "---\ntitle: Add the hub login\n---\nAdd calc/hub.py that logs in to the model hub.\n",
    source="specs/hub.md",
)


def _hub_script(token: str) -> list:
    hostile = f'TOKEN = "{token}"  # pragma: allowlist secret\n\n\ndef login():\n    return TOKEN\n'
    return [
        plan_reply(("calc/hub.py",)),
        tool_reply(("create_file", {"path": "calc/hub.py", "content": hostile})),
        tool_reply(("finish", {"summary": "Added the hub login."})),
    ]


@pytest.mark.timeout(120)
def test_a_scripted_model_cannot_push_a_token_with_a_pragma_in_pr_mode(
    demo_repo: Path,
    config: PipelineConfig,
    scripted_server: StartServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = T["huggingface-token"]
    remote = bare_remote(demo_repo, tmp_path / "remote.git")
    before = refs(remote)
    server = scripted_server(_hub_script(token))
    caplog.set_level(logging.INFO)
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config), index=None
    )
    d = deliver_change(
        record,
        SPEC,
        config=config,
        audit_log=tmp_path / "audit.jsonl",
        actor="t",
        audit_key=AUDIT_KEY,
    )
    assert refs(remote) == before  # nothing was pushed
    assert record.status == "stopped" and record.commit is None
    reason = record.stop_reason or ""
    assert "calc/hub.py:1 (huggingface-token)" in reason
    # the escalation (on by default) tiers the change like any push: the secret blocks it
    assert d.outcome == "escalated" and "huggingface-token" in d.message and d.deploy is None
    assert d.decision is not None and d.decision.blocked
    run_dir = Path(record.run_dir)
    for name in ("record.json", "delivery.json"):
        assert token not in (run_dir / name).read_text()
    assert token not in (tmp_path / "audit.jsonl").read_text()
    assert token not in reason + d.message + caplog.text


def _two_rounds(token: str, *, remove: bool) -> list:
    """Round 1 writes the token and a failing test; the repair round fixes the code and
    (``remove``) takes the token out again or (not ``remove``) leaves it in."""
    code = f'TOKEN = "{token}"\n\n\ndef mul(a, b):\n    return a + b\n'
    test = "from calc.extra import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n"
    repair = [edit("calc/extra.py", "return a + b", "return a * b")]
    if remove:
        repair.append(edit("calc/extra.py", f'TOKEN = "{token}"', "TOKEN = None"))
    return [
        plan_reply(("calc/extra.py",)),
        tool_reply(
            ("create_file", {"path": "calc/extra.py", "content": code}),
            ("create_file", {"path": "tests/test_extra.py", "content": test}),
        ),
        tool_reply(("finish", {"summary": "Added mul."})),
        tool_reply(*repair),
        tool_reply(("finish", {"summary": "Fixed mul."})),
    ]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("remove", [False, True], ids=["kept", "removed"])
def test_the_commit_gate_scans_the_final_diff_of_all_rounds(
    demo_repo: Path,
    config: PipelineConfig,
    scripted_server: StartServer,
    remove: bool,
) -> None:
    token = T["shopify-access-token"]
    server = scripted_server(_two_rounds(token, remove=remove))
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config), index=None
    )
    assert record.repair_rounds == 1
    if remove:  # added in one round, removed in the next: the final diff is clean
        assert record.status == "green", record.stop_reason
    else:
        assert record.status == "stopped" and record.commit is None
        assert "calc/extra.py:1 (shopify-token)" in (record.stop_reason or "")
        assert token not in (record.stop_reason or "")
