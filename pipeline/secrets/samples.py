"""Realistic fake credentials for the secret gate's tests and benchmark, made at run time.

Every token is drawn from a seeded :class:`random.Random` in the provider's published format
(prefix, alphabet, length), so the scanner sees what a leaked key looks like, while this
repository holds only prefixes and never a string that looks like a live secret (which would
trip push protection, or our own scanner when the repository scans itself).

``SAMPLES`` maps a format name to a generator; a :class:`Sample` carries the secret, the
variable name it is assigned to (neutral for formats that need no context; a credential name
for formats only recognisable by their context, such as an AWS secret access key) and the rule
ids that may report it. ``ordinary_values`` gives high-entropy values that are *not* secrets
(hashes, commit ids, integrity strings, UUIDs, base64 fixtures).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass

LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
LETTERS = string.ascii_letters
DIGITS = string.digits
ALNUM = LETTERS + DIGITS
HEX = "0123456789abcdef"
URLSAFE = ALNUM + "_-"
B64 = ALNUM + "+/"

# Built from pieces so that no line of this file is itself a private key block.
_PEM_DASHES = "-" * 5
_PEM_KIND = " PRIVATE" + " KEY"


@dataclass(frozen=True, slots=True)
class Sample:
    format: str
    secret: str  # the credential itself (may span lines: a PEM block)
    name: str = "value"  # the variable/key it is assigned to in a placement
    rules: tuple[str, ...] = ()  # rule ids that may report it (any one is a detection)


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64(rng: random.Random, nbytes: int, *, urlsafe: bool = False) -> str:
    raw = rng.randbytes(nbytes)
    if urlsafe:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return base64.b64encode(raw).decode()


def _pem(rng: random.Random) -> str:
    body = _b64(rng, 900)
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    head = f"{_PEM_DASHES}BEGIN RSA{_PEM_KIND}{_PEM_DASHES}"
    foot = f"{_PEM_DASHES}END RSA{_PEM_KIND}{_PEM_DASHES}"
    return "\n".join([head, *lines, foot])


def _jwt(rng: random.Random) -> str:
    def enc(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    claims = {"sub": str(rng.randrange(10**9)), "name": _pick(rng, LOWER, 8), "iat": 1700000000}
    header = enc({"alg": "HS256", "typ": "JWT"})
    return f"{header}.{enc(claims)}.{_b64(rng, 32, urlsafe=True)}"


def _s(fmt: str, rules: tuple[str, ...], name: str = "value") -> Callable[[str], Sample]:
    return lambda secret: Sample(fmt, secret, name, rules)


Generator = Callable[[random.Random], Sample]

SAMPLES: dict[str, Generator] = {
    "anthropic-api-key": lambda r: _s("anthropic-api-key", ("anthropic-api-key",))(
        "sk-ant-api03-" + _pick(r, URLSAFE, 93) + "AA"
    ),
    "anthropic-admin-key": lambda r: _s("anthropic-admin-key", ("anthropic-api-key",))(
        "sk-ant-admin01-" + _pick(r, URLSAFE, 93) + "AA"
    ),
    "openai-project-key": lambda r: _s("openai-project-key", ("openai-api-key",))(
        "sk-proj-" + _pick(r, URLSAFE, 74) + "T3Blbk" + "FJ" + _pick(r, URLSAFE, 74)
    ),
    "openai-legacy-key": lambda r: _s("openai-legacy-key", ("openai-api-key",))(
        "sk-" + _pick(r, ALNUM, 20) + "T3Blbk" + "FJ" + _pick(r, ALNUM, 20)
    ),
    "github-pat": lambda r: _s("github-pat", ("github-token",))("ghp_" + _pick(r, ALNUM, 36)),
    "github-oauth": lambda r: _s("github-oauth", ("github-token",))("gho_" + _pick(r, ALNUM, 36)),
    "github-app-token": lambda r: _s("github-app-token", ("github-token",))(
        "ghs_" + _pick(r, ALNUM, 36)
    ),
    "github-fine-grained-pat": lambda r: _s(
        "github-fine-grained-pat", ("github-fine-grained-pat",)
    )("github_pat_" + _pick(r, ALNUM, 22) + "_" + _pick(r, ALNUM, 59)),
    "gitlab-pat": lambda r: _s("gitlab-pat", ("gitlab-token",))("glpat-" + _pick(r, URLSAFE, 20)),
    "gitlab-runner-token": lambda r: _s("gitlab-runner-token", ("gitlab-token",))(
        "glrt-" + _pick(r, URLSAFE, 20)
    ),
    "slack-bot-token": lambda r: _s("slack-bot-token", ("slack-token",))(
        f"xoxb-{_pick(r, DIGITS, 12)}-{_pick(r, DIGITS, 13)}-{_pick(r, ALNUM, 24)}"
    ),
    "slack-user-token": lambda r: _s("slack-user-token", ("slack-token",))(
        f"xoxp-{_pick(r, DIGITS, 12)}-{_pick(r, DIGITS, 12)}-{_pick(r, DIGITS, 13)}-"
        + _pick(r, HEX, 32)
    ),
    "slack-webhook-url": lambda r: _s("slack-webhook-url", ("slack-webhook-url",))(
        "https://hooks.slack.com/services/T"
        + _pick(r, UPPER + DIGITS, 8)
        + "/B"
        + _pick(r, UPPER + DIGITS, 10)
        + "/"
        + _pick(r, ALNUM, 24)
    ),
    "stripe-secret-key": lambda r: _s("stripe-secret-key", ("stripe-key",))(
        "sk_" + "live_" + _pick(r, ALNUM, 99)
    ),
    "stripe-restricted-key": lambda r: _s("stripe-restricted-key", ("stripe-key",))(
        "rk_" + "live_" + _pick(r, ALNUM, 24)
    ),
    "gcp-api-key": lambda r: _s("gcp-api-key", ("gcp-api-key",))("AIza" + _pick(r, URLSAFE, 35)),
    "aws-access-key-id": lambda r: _s("aws-access-key-id", ("aws-access-key-id",))(
        "AKIA" + _pick(r, UPPER + "234567", 16)
    ),
    "aws-secret-access-key": lambda r: _s(
        "aws-secret-access-key",
        ("aws-secret-access-key", "generic-secret"),
        "aws_secret_access_key",
    )(_pick(r, B64, 40)),
    "azure-ad-client-secret": lambda r: _s("azure-ad-client-secret", ("azure-ad-client-secret",))(
        _pick(r, ALNUM, 3) + r.choice(DIGITS) + "Q~" + _pick(r, ALNUM + "_~.-", 34)
    ),
    "azure-storage-key": lambda r: _s("azure-storage-key", ("azure-storage-key",))(
        "DefaultEndpointsProtocol=https;AccountName="
        + _pick(r, LOWER, 10)
        + ";AccountKey="
        + _b64(r, 64)
        + ";EndpointSuffix=core.windows.net"
    ),
    "huggingface-token": lambda r: _s("huggingface-token", ("huggingface-token",))(
        "hf_" + _pick(r, LETTERS, 34)
    ),
    "databricks-token": lambda r: _s("databricks-token", ("databricks-token",))(
        "dapi" + _pick(r, HEX, 32)
    ),
    "digitalocean-pat": lambda r: _s("digitalocean-pat", ("digitalocean-token",))(
        "dop_" + "v1_" + _pick(r, HEX, 64)
    ),
    "shopify-access-token": lambda r: _s("shopify-access-token", ("shopify-token",))(
        "shpat_" + _pick(r, HEX, 32)
    ),
    "npm-token": lambda r: _s("npm-token", ("npm-token",))("npm_" + _pick(r, ALNUM, 36)),
    "pypi-token": lambda r: _s("pypi-token", ("pypi-token",))(
        "pypi-" + "AgEIcHlwaS5vcmc" + _pick(r, URLSAFE, 150)
    ),
    "sendgrid-key": lambda r: _s("sendgrid-key", ("sendgrid-key",))(
        "SG." + _pick(r, URLSAFE, 22) + "." + _pick(r, URLSAFE, 43)
    ),
    "twilio-api-key": lambda r: _s("twilio-api-key", ("twilio-key",))("SK" + _pick(r, HEX, 32)),
    "private-key": lambda r: _s("private-key", ("private-key",))(_pem(r)),
    "jwt": lambda r: _s("jwt", ("jwt",))(_jwt(r)),
    "url-password": lambda r: _s("url-password", ("url-password",))(
        f"postgresql://app:{_pick(r, ALNUM, 18)}@db.internal:5432/app"
    ),
    "url-password-empty-user": lambda r: _s("url-password-empty-user", ("url-password",))(
        f"redis://:{_pick(r, ALNUM, 20)}@cache.internal:6379/0"
    ),
    "generic-client-secret": lambda r: _s(
        "generic-client-secret", ("generic-secret",), "client_secret"
    )(_pick(r, ALNUM, 32)),
    "generic-db-password": lambda r: _s("generic-db-password", ("generic-secret",), "db_password")(
        _pick(r, ALNUM, 12) + "!" + _pick(r, ALNUM, 8)
    ),
}


def sample(fmt: str, rng: random.Random) -> Sample:
    """One fresh sample of ``fmt`` (a key of :data:`SAMPLES`)."""
    return SAMPLES[fmt](rng)


def ordinary_values(rng: random.Random) -> dict[str, str]:
    """High-entropy values of ordinary code that a secret gate must let through."""
    blob = rng.randbytes(64)
    return {
        "empty_sha256": hashlib.sha256(b"").hexdigest(),
        "git_sha": hashlib.sha1(rng.randbytes(20)).hexdigest(),
        "npm_integrity": "sha512-" + base64.b64encode(hashlib.sha512(blob).digest()).decode(),
        "uuid": str(uuid.UUID(bytes=rng.randbytes(16), version=4)),
        "base64_fixture": base64.b64encode(rng.randbytes(48)).decode(),
        "md5": hashlib.md5(blob).hexdigest(),
    }
