"""Provider token formats and context rules for the secret gate, derived from gitleaks' rules.

Source: gitleaks' default configuration (``config/gitleaks.toml`` of gitleaks/gitleaks, MIT),
read and re-derived here rule by rule, not copied: ids are ours, boundaries are widened so an
unquoted token in a ``.env``/YAML line or a call argument ends at any non-token character, and
lengths are ranges where providers have changed them. Two rules are our own, because gitleaks
has no rule for them: passwords in URLs (``scheme://user:pw@host``, also with an empty user) and
a keyword-gated entropy rule (gitleaks' ``generic-api-key`` idea with a narrower keyword list,
so hashes, UUIDs, commit ids and integrity strings — which carry no credential keyword — pass).

Each :class:`Rule` has keywords (the lower-cased line must contain one before the regex runs,
which keeps big diffs fast) and a minimum Shannon entropy of the secret (bits per character).
Private keys are matched over the joined lines of a file (:func:`private_keys`), because a PEM
block spans lines; a header alone (as in every TLS library) is not a key: a base64 body must
follow.
"""

from __future__ import annotations

import base64
import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

_T = r"(?![A-Za-z0-9_-])"  # the token ends at any character that cannot be part of it


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    pattern: re.Pattern[str]  # the secret is the group named "secret"
    keywords: tuple[str, ...]  # lower case; at least one must occur in the line
    entropy: float = 3.0


@dataclass(frozen=True, slots=True)
class Match:
    index: int  # index of the line in the scanned sequence
    rule: str
    secret: str


def _rule(rule_id: str, regex: str, keywords: tuple[str, ...], entropy: float = 3.0) -> Rule:
    return Rule(rule_id, re.compile(regex), keywords, entropy)


PROVIDER_RULES: tuple[Rule, ...] = (
    _rule(
        "anthropic-api-key",
        rf"\b(?P<secret>sk-ant-[a-z]{{2,8}}\d{{2}}-[\w-]{{80,120}}){_T}",
        ("sk-ant-",),
        3.5,
    ),
    _rule(
        "openai-api-key",
        r"\b(?P<secret>sk-(?:proj|svcacct|admin)-[\w-]{20,200}T3BlbkFJ[\w-]{20,200}"
        rf"|sk-[A-Za-z0-9]{{20}}T3BlbkFJ[A-Za-z0-9]{{20}}){_T}",
        ("t3blbkfj",),
    ),
    _rule(
        "openai-api-key",
        rf"\b(?P<secret>sk-(?:proj|svcacct|admin)-[\w-]{{80,300}}){_T}",
        ("sk-proj-", "sk-svcacct-", "sk-admin-"),
        4.0,
    ),
    _rule("github-token", r"\b(?P<secret>gh[pousr]_[A-Za-z0-9]{36,251})\b", ("gh",)),
    _rule("github-fine-grained-pat", r"\b(?P<secret>github_pat_\w{70,255})", ("github_pat_",)),
    _rule(
        "gitlab-token",
        r"\b(?P<secret>(?:glpat|gldt|glrt|glcbt|glptt|glft|glimt|glagent|gloas|glsoat|glffct)"
        rf"-[\w.-]{{20,300}}|GR1348941[\w-]{{20}}){_T}",
        ("gl", "gr1348941"),
    ),
    _rule(
        "slack-token",
        rf"\b(?P<secret>(?:xoxe\.)?xox[abeoprs]-[0-9A-Za-z-]{{10,250}}|xapp-\d-[A-Z0-9-]{{20,200}}){_T}",
        ("xox", "xapp-"),
    ),
    _rule(
        "slack-webhook-url",
        r"(?P<secret>hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56})",
        ("hooks.slack.com",),
    ),
    _rule(
        "stripe-key",
        rf"\b(?P<secret>(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{{10,247}}){_T}",
        ("sk_", "rk_"),
    ),
    _rule("gcp-api-key", rf"\b(?P<secret>AIza[\w-]{{35}}){_T}", ("aiza",), 3.5),
    _rule(
        "aws-access-key-id",
        r"\b(?P<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
        ("a3t", "akia", "asia", "abia", "acca"),
    ),
    _rule(
        "aws-secret-access-key",
        r"(?i)aws.{0,20}?(?:secret|key|pwd|pw|password|pass|token).{0,20}?[\s'\"=:(,]+"
        r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        ("aws",),
        4.0,
    ),
    _rule(
        "azure-ad-client-secret",
        r"(?:^|[\\'\"`\s>=:(,)])(?P<secret>[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})"
        r"(?:$|[\\'\"`\s<),;])",
        ("q~",),
    ),
    _rule(
        "azure-storage-key",
        r"(?i)AccountKey=(?P<secret>[A-Za-z0-9+/]{86,88}={0,2})",
        ("accountkey=",),
        4.0,
    ),
    _rule(
        "huggingface-token",
        r"\b(?P<secret>(?:hf_|api_org_)[A-Za-z0-9]{34})(?![A-Za-z0-9])",
        ("hf_", "api_org_"),
    ),
    _rule("databricks-token", rf"\b(?P<secret>dapi[a-f0-9]{{32}}(?:-\d)?){_T}", ("dapi",)),
    _rule("digitalocean-token", r"\b(?P<secret>do[opr]_v1_[a-f0-9]{64})\b", ("_v1_",)),
    _rule("shopify-token", r"\b(?P<secret>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b", ("shp",)),
    _rule("npm-token", r"\b(?P<secret>npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])", ("npm_",)),
    _rule(
        "pypi-token",
        r"(?P<secret>pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[\w-]{50,1000})",
        ("pypi-ag",),
    ),
    _rule("sendgrid-key", rf"\b(?P<secret>SG\.[\w-]{{20,24}}\.[\w-]{{39,50}}){_T}", ("sg.",)),
    _rule("twilio-key", r"\b(?P<secret>SK[0-9a-fA-F]{32})\b", ("sk",)),
    _rule(
        "jwt",
        r"\b(?P<secret>ey[A-Za-z0-9]{17,}\.ey[A-Za-z0-9/\\_-]{17,}\.(?:[A-Za-z0-9/\\_-]{10,}={0,2})?)",
        ("eyj",),
    ),
    _rule(
        "age-secret-key",
        r"(?P<secret>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})",
        ("age-secret-key-1",),
    ),
    _rule("doppler-token", r"(?P<secret>dp\.pt\.[A-Za-z0-9]{43})", ("dp.pt.",)),
    _rule("linear-api-key", r"(?P<secret>lin_api_[A-Za-z0-9]{40})", ("lin_api_",)),
    _rule("vault-token", rf"\b(?P<secret>hv[sb]\.[\w-]{{90,300}}){_T}", ("hvs.", "hvb.")),
    _rule("pulumi-token", r"\b(?P<secret>pul-[a-f0-9]{40})\b", ("pul-",)),
    _rule("rubygems-token", r"\b(?P<secret>rubygems_[a-f0-9]{48})\b", ("rubygems_",)),
    _rule("postman-token", r"\b(?P<secret>PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34})\b", ("pmak-",)),
    _rule("prefect-token", r"\b(?P<secret>pnu_[a-zA-Z0-9]{36})\b", ("pnu_",)),
    _rule("sentry-token", r"\b(?P<secret>sntry[us]_[A-Za-z0-9+/=_]{40,400})", ("sntry",)),
    _rule("square-token", rf"\b(?P<secret>(?:sq0atp|sq0csp)-[\w-]{{22,60}}){_T}", ("sq0",)),
    _rule(
        "telegram-bot-token",
        r"(?i)telegr.{0,40}?\b(?P<secret>\d{5,16}:A[\w-]{34})(?![\w-])",
        ("telegr",),
    ),
)

# --- our own context rules --------------------------------------------------------------------

URL_PASSWORD = _rule(
    "url-password",
    r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@'\"`<>{}]{0,64}:"
    r"(?P<secret>[^\s:/@'\"`<>]{3,128})@[A-Za-z0-9\[]",
    ("://",),
    3.0,
)

_KEYWORD = (
    r"secret|passw(?:or)?d|passphrase|pwd|token|api[_.-]?key|apikey|access[_.-]?key|"
    r"auth[_.-]?key|authorization|credentials?|creds|private[_.-]?key|signing[_.-]?key|"
    r"encryption[_.-]?key|master[_.-]?key"
)
GENERIC_SECRET = _rule(
    "generic-secret",
    r"(?i)(?<![\w.:-])(?P<name>[\w.-]{0,40}(?:" + _KEYWORD + r")[\w.-]{0,20})['\"\]]?[ \t]{0,3}"
    r"(?P<sep>=|:=|::|:|=>|\?=|<-|,)[ \t]{0,3}(?P<quote>[\"'`]?)[ \t]*"
    r"(?:(?P<scheme>bearer|basic|token)[ \t]+)?"
    r"(?P<secret>[A-Za-z0-9+/_.~!@#$%^&*-]{12,200}={0,3})(?![=\w])",
    ("secret", "passw", "pwd", "token", "key", "auth", "cred"),
    3.5,
)

# Names that carry a keyword but hold no credential: hashes, ids, where a secret lives, sizes.
_NOT_A_SECRET_NAME = re.compile(
    r"(?i)(?:hash|sha\d*|md5|digest|checksum|fingerprint|integrity|nonce|salt|uuid|"
    r"(?:^|[_.-])ids?$|_id[_.-]|url|uri|endpoint|path|file|dir|name|type|len|length|size|"
    r"count|max|min|prefix|suffix|format|pattern|regex|version|header|field|env|var|"
    r"placeholder|example|dummy|fake|mock|expir|ttl|timeout|limit|label|descr|hint|"
    r"csrf|xsrf|public|pub[_.-]?key|cache|keyboard|keyword|keymap|tokeniz|secretsmanager)"
)
# Values that are code or templates, not credentials.
_NOT_A_SECRET_VALUE = re.compile(
    r"^(?:[A-Za-z_.-]+|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|\$\{?\w+\}?|%\(?\w*\)?s|\*+|x+|X+"
    r"|(?:[~.]{0,2}/)?(?:[\w.-]+/)+[\w.-]*|[\w-]+\.(?:pem|key|crt|json|ya?ml|txt|env|cfg|toml))$"
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_MIME = re.compile(r"^(?:application|text|image|audio|video|multipart|model|font)/[\w.+-]+$")
# in a "name", "value" pair the name is a credential name, not any word with a keyword in it
_PAIR_NAME = re.compile(r"(?i)(?:^|[_.-])(?:" + _KEYWORD + r")$")
_TEMPLATE = re.compile(
    r"^(?:\$\{?[\w.]+\}?|\{\{?[^}]*\}?\}|<[^>]*>|%[sd]|%\(\w+\)s|\*+|x+|\.\.\.)$"
)
_PLACEHOLDER_PASSWORDS = frozenset(
    "password passwd pass pwd secret changeme changeit example test tiger foo bar baz qux "
    "user admin root guest token none null xxx yyy dummy fake sample pw hunter2 letmein "
    "qwerty 123456 12345678 secret123 password1".split()
)
_PLACEHOLDER_PARTS = (
    "passw", "ssword", "secret", "token", "example", "changeme", "placeholder", "xxxx"
)  # fmt: skip


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def password_ok(secret: str) -> bool:
    """A password (in a URL or a Basic header) that is not a placeholder or an example: at
    least 8 characters, no whitespace, entropy 3 or more, and no placeholder word in it."""
    plain = unquote(secret)
    low = plain.lower()
    if _TEMPLATE.match(plain) or "{" in plain or "%s" in plain or re.search(r"\s", plain):
        return False
    if low in _PLACEHOLDER_PASSWORDS or any(w in low for w in _PLACEHOLDER_PARTS):
        return False
    return len(plain) >= 8 and entropy(plain) >= URL_PASSWORD.entropy


def _basic_password(secret: str) -> str | None:
    """The password of a ``Basic`` credential (base64 of ``user:password``), if it is one."""
    try:
        decoded = base64.b64decode(secret, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2] if ":" in decoded else None


def _generic_ok(m: re.Match[str], code: bool) -> bool:
    name, secret = m.group("name"), m.group("secret").rstrip("=.")
    if code and not m.group("quote"):
        return False  # in source code a literal is quoted; unquoted is a name or expression
    if _NOT_A_SECRET_NAME.search(name):
        return False
    if m.group("sep") == "," and not (m.group("quote") and _PAIR_NAME.search(name)):
        return False  # "name, value" counts only as a pair like ("password", "...")
    if m.group("secret").endswith("...") or _UUID.match(secret) or _MIME.match(secret):
        return False  # a truncated example, an id, a media type
    if _NOT_A_SECRET_VALUE.match(secret) or _TEMPLATE.match(secret):
        return False
    if (m.group("scheme") or "").lower() == "basic":
        password = _basic_password(m.group("secret"))
        if password is not None:
            return password_ok(password)
    return entropy(secret) >= GENERIC_SECRET.entropy


def line_starts(lines: Sequence[str]) -> list[int]:
    """The offset of each line in ``"\n".join(lines)``."""
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    return starts


def _lines_with(low: str, starts: list[int], keywords: Sequence[str]) -> set[int]:
    """Indexes of the lines of the joined, lower-cased text ``low`` that contain a keyword:
    one C-speed ``str.find`` pass per keyword instead of a test per line."""
    found: set[int] = set()
    for keyword in keywords:
        at = low.find(keyword)
        while at >= 0:
            index = bisect_right(starts, at) - 1
            found.add(index)
            at = low.find(keyword, starts[index + 1] if index + 1 < len(starts) else len(low))
    return found


# Source files whose string literals are quoted: an unquoted ``token: Foo`` or ``key = bar``
# there is a type annotation or an expression (``.sh`` is not here: ``TOKEN=abc`` is a value).
CODE_SUFFIXES = frozenset(
    ".py .pyi .pyx .js .jsx .mjs .cjs .ts .tsx .java .kt .scala .go .rs .rb .php .c .h .cc "
    ".cpp .hpp .cs .swift .m .dart .lua".split()
)

_ALL_RULES = (*PROVIDER_RULES, URL_PASSWORD, GENERIC_SECRET)


def scan_lines(lines: Sequence[str], *, code: bool = False) -> Iterator[Match]:
    """Every rule match in ``lines``, by line and then rule order (provider formats first, so a
    token's most specific rule comes first). ``code``: the lines are source code (see
    :data:`CODE_SUFFIXES`), where the keyword rule needs a quoted value."""
    low, starts = "\n".join(lines).lower(), line_starts(lines)
    out: list[tuple[int, int, Match]] = []
    for order, rule in enumerate(_ALL_RULES):
        for index in _lines_with(low, starts, rule.keywords):
            line = lines[index]
            if len(line) < 12:
                continue
            for m in rule.pattern.finditer(line):
                if _accept(rule, m, code):
                    out.append((index, order, Match(index, rule.id, m.group("secret"))))
    out.sort(key=lambda t: (t[0], t[1]))
    return (m for _, _, m in out)


def _accept(rule: Rule, m: re.Match[str], code: bool) -> bool:
    if rule is URL_PASSWORD:
        return password_ok(m.group("secret"))
    if rule is GENERIC_SECRET:
        return _generic_ok(m, code)
    return entropy(m.group("secret")) >= rule.entropy


_PEM_HEADER = re.compile(r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----")
_PEM_FIELD = re.compile(r"(?m)^[ \t]*[\w-]+:[^\n]*$")  # Proc-Type: / DEK-Info: / Comment:
_PEM_NOISE = re.compile(r"\\[nrt]|[\s\"'`+,;]")
_PEM_BODY = re.compile(r"[A-Za-z0-9+/]{64}")


def private_keys(lines: Sequence[str]) -> Iterator[Match]:
    """PEM private key blocks with a base64 body (a key spans lines, so the lines are joined;
    ``\\n`` escapes, quotes and string concatenation between body lines are ignored)."""
    text = "\n".join(lines)
    if "PRIVATE KEY" not in text:
        return
    for m in _PEM_HEADER.finditer(text):
        window = text[m.end() : m.end() + 12000]
        end = window.find("-----END")
        body = window if end < 0 else window[:end]
        body = _PEM_NOISE.sub("", _PEM_FIELD.sub("", body.replace("\\n", "\n")))
        if _PEM_BODY.match(body) and entropy(body[:256]) >= 4.5:
            yield Match(text.count("\n", 0, m.start()), "private-key", m.group(0) + body[:64])
