"""Tests for pipeline.dep_bumps and its readers: real bumps per manager are bumps; a new package,
a changed source, registry or URL, a hash without a version, an install script are not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from specpilot.pipeline.tiers.dep_bumps import check_bump
from specpilot.pipeline.tiers.versions import compare_constraints, parse_constraint, version_key

REQS = "--index-url https://pypi.org/simple\nrequests==2.31.0 --hash=sha256:aaa\nrich>=13.7,<14\n"
PYPROJECT = """[project]
name = "demo"
version = "1.0.0"
dependencies = ["requests>=2.31", "click[extra]>=8.1 ; python_version >= '3.11'"]

[project.optional-dependencies]
dev = ["pytest>=8.0"]

[build-system]
requires = ["setuptools>=69"]

[tool.poetry.dependencies]
python = "^3.11"
httpx = "^0.27"
lib = { version = "^1.2", extras = ["x"] }
gitdep = { git = "https://github.com/a/b.git", rev = "abc" }

[tool.coverage.report]
fail_under = 90.0
"""


def _bump(name: str, old: str, new: str) -> tuple[bool, str]:
    check = check_bump(name, old, new)
    return check.bump, check.summary()


@pytest.mark.parametrize(
    ("name", "old", "new", "bump"),
    [
        (
            "requirements.txt",
            REQS,
            REQS.replace("2.31.0 --hash=sha256:aaa", "2.32.3 --hash=sha256:bbb"),
            True,
        ),
        ("requirements.txt", REQS, REQS.replace(">=13.7,<14", ">=13.8,<14"), True),
        ("requirements.txt", REQS, REQS.replace("sha256:aaa", "sha256:ccc"), False),
        ("requirements.txt", REQS, REQS.replace("pypi.org", "pypi.evil.example"), False),
        ("requirements.txt", REQS, REQS.replace("==2.31.0", ">=2.31.0"), False),
        ("requirements.txt", REQS, REQS.replace("==2.31.0", "==2.30.0"), False),
        ("requirements.txt", REQS, REQS + "httpx==0.28.1\n", False),
        ("requirements.txt", REQS, REQS + "-e git+https://evil.example/x.git#egg=x\n", False),
        (
            "requirements.txt",
            REQS,
            REQS.replace("rich", "rich @ https://evil.example/rich.whl ;"),
            False,
        ),
        ("requirements.txt", REQS, "# pinned\n" + REQS, False),  # nothing moved
        ("requirements-dev.txt", "pytest==8.0.0\n", "pytest==8.1.0\n", True),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace("requests>=2.31", "requests>=2.32"), True),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace("pytest>=8.0", "pytest>=8.1"), True),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace("setuptools>=69", "setuptools>=70"), True),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace('"^0.27"', '"^0.28"'), True),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace('"^1.2"', '"^1.3"'), True),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace("8.1 ;", "8.2 ;"), True),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace('rev = "abc"', 'rev = "def"'), False),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace("90.0", "0.0"), False),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace('"^3.11"', '"^3.12"'), False),
        (
            "pyproject.toml",
            PYPROJECT,
            PYPROJECT.replace('version = "1.0.0"', 'version = "1.0.1"'),
            False,
        ),
        (
            "pyproject.toml",
            PYPROJECT,
            PYPROJECT.replace('"requests>=2.31"', '"requests>=2.31", "x"'),
            False,
        ),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace("[extra]", "[other]"), False),
        ("yarn.lock", "a@^1:\n  version 1.0.0\n", "a@^1:\n  version 1.0.1\n", False),
    ],
)
def test_python_manifests_and_unknown_files(name: str, old: str, new: str, bump: bool) -> None:
    verdict, summary = _bump(name, old, new)
    assert verdict is bump, summary


def test_not_a_bump_says_why() -> None:
    _, summary = _bump("requirements.txt", REQS, REQS.replace("pypi.org", "evil.example"))
    assert "--index-url https://evil.example/simple" in summary
    _, summary = _bump("pyproject.toml", PYPROJECT, PYPROJECT.replace("90.0", "0.0"))
    assert "tool.coverage.report.fail_under" in summary
    assert "adds the file" in check_bump("poetry.lock", None, "x").summary()


PACKAGE = {
    "name": "demo",
    "version": "1.0.0",
    "scripts": {"test": "jest"},
    "dependencies": {"lodash": "^4.17.20", "left": "github:a/left"},
    "devDependencies": {"jest": "~29.6.0"},
}


def _npm_lock(version: str = "4.17.20", **entry: Any) -> dict[str, Any]:
    lodash = {
        "version": version,
        "resolved": f"https://registry.npmjs.org/lodash/-/lodash-{version}.tgz",
        "integrity": f"sha512-{version}",
        **entry,
    }
    root = {"name": "demo", "version": "1.0.0", "dependencies": {"lodash": f"^{version}"}}
    return {
        "name": "demo",
        "lockfileVersion": 3,
        "packages": {"": root, "node_modules/lodash": lodash},
    }


def _js(data: Any) -> str:
    return json.dumps(data, indent=2)


def _with(base: dict[str, Any], section: str, key: str, value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(base))
    data[section][key] = value
    return data


@pytest.mark.parametrize(
    ("name", "old", "new", "bump"),
    [
        ("package.json", PACKAGE, _with(PACKAGE, "dependencies", "lodash", "^4.17.21"), True),
        ("package.json", PACKAGE, _with(PACKAGE, "devDependencies", "jest", "~29.7.0"), True),
        ("package.json", PACKAGE, _with(PACKAGE, "dependencies", "lodash", "^5.0.0"), True),
        ("package.json", PACKAGE, _with(PACKAGE, "scripts", "postinstall", "curl x|sh"), False),
        (
            "package.json",
            PACKAGE,
            _with(PACKAGE, "dependencies", "left", "github:evil/left"),
            False,
        ),
        ("package.json", PACKAGE, _with(PACKAGE, "dependencies", "pwn", "^1.0.0"), False),
        ("package.json", PACKAGE, _with(PACKAGE, "dependencies", "lodash", "latest"), False),
        ("package-lock.json", _npm_lock(), _npm_lock("4.17.21"), True),
        ("package-lock.json", _npm_lock(), _npm_lock("4.17.21", hasInstallScript=True), False),
        ("package-lock.json", _npm_lock(), _npm_lock(integrity="sha512-other"), False),
        ("package-lock.json", _npm_lock(), _npm_lock(bin={"lodash": "x.js"}), False),
        ({"lockfileVersion": 1}, {"lockfileVersion": 1}, {"lockfileVersion": 1}, False),
    ],
)
def test_npm(name: Any, old: Any, new: Any, bump: bool) -> None:
    path = name if isinstance(name, str) else "package-lock.json"
    verdict, summary = _bump(path, _js(old), _js(new))
    assert verdict is bump, summary


def test_npm_resolved_must_follow_the_version() -> None:
    new = _npm_lock("4.17.21")
    new["packages"]["node_modules/lodash"]["resolved"] = "https://evil.example/lodash-4.17.21.tgz"
    verdict, summary = _bump("package-lock.json", _js(_npm_lock()), _js(new))
    assert not verdict and "resolved" in summary
    major = check_bump(
        "package.json", _js(PACKAGE), _js(_with(PACKAGE, "dependencies", "lodash", "^5.0.0"))
    )
    assert major.major == ("dependencies.lodash ^4.17.20 → ^5.0.0",)


POETRY_LOCK = """[[package]]
name = "requests"
version = "2.31.0"
description = "HTTP"
optional = false
python-versions = ">=3.7"
files = [{file = "requests-2.31.0-py3-none-any.whl", hash = "sha256:aaa"}]

[package.dependencies]
idna = ">=2.5,<4"

[[package]]
name = "idna"
version = "3.6"
description = "IDNA"
optional = false
python-versions = ">=3.5"
files = [{file = "idna-3.6-py3-none-any.whl", hash = "sha256:bbb"}]

[metadata]
lock-version = "2.0"
python-versions = "^3.11"
content-hash = "c1"
"""
POETRY_BUMP = (
    POETRY_LOCK.replace("2.31.0", "2.32.3").replace("sha256:aaa", "sha256:ddd").replace("c1", "c2")
)
UV_LOCK = """version = 1
requires-python = ">=3.11"

[[package]]
name = "requests"
version = "2.31.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/p/requests-2.31.0.tar.gz", hash = "sha256:a", size = 1 }
wheels = [{ url = "https://files.pythonhosted.org/p/requests-2.31.0-py3-none-any.whl", hash = "sha256:b", size = 2 }]
"""
UV_BUMP = UV_LOCK.replace("2.31.0", "2.32.3").replace("sha256:a", "sha256:c")


@pytest.mark.parametrize(
    ("name", "old", "new", "bump"),
    [
        ("poetry.lock", POETRY_LOCK, POETRY_BUMP, True),
        ("poetry.lock", POETRY_LOCK, POETRY_LOCK.replace("sha256:aaa", "sha256:eee"), False),
        ("poetry.lock", POETRY_LOCK, POETRY_LOCK.replace("3.6", "3.5"), False),
        (
            "poetry.lock",
            POETRY_LOCK,
            POETRY_BUMP.replace(
                "[package.dependencies]",
                '[package.source]\ntype = "legacy"\nurl = "https://evil.example"\nreference = "e"\n\n'
                "[package.dependencies]",
            ),
            False,
        ),
        (
            "poetry.lock",
            POETRY_LOCK,
            POETRY_LOCK + '\n[[package]]\nname = "pwn"\nversion = "1"\n',
            False,
        ),
        ("uv.lock", UV_LOCK, UV_BUMP, True),
        (
            "uv.lock",
            UV_LOCK,
            UV_BUMP.replace("files.pythonhosted.org/p/requests-2.32.3-", "evil.example/r-"),
            False,
        ),
        (
            "uv.lock",
            UV_LOCK,
            UV_LOCK.replace("https://pypi.org/simple", "https://evil.example/simple"),
            False,
        ),
    ],
)
def test_python_lockfiles(name: str, old: str, new: str, bump: bool) -> None:
    verdict, summary = _bump(name, old, new)
    assert verdict is bump, summary


CARGO = '[package]\nname = "x"\n\n[dependencies]\nserde = "1.0.190"\ntokio = { version = "1.35", features = ["full"] }\nmine = { git = "https://github.com/a/mine" }\n'
CARGO_LOCK = """version = 3

[[package]]
name = "serde"
version = "1.0.190"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "aaa"
"""
GO_MOD = "module example.com/x\n\ngo 1.22\n\nrequire (\n\tgithub.com/a/b v1.2.3\n\tgolang.org/x/net v0.20.0 // indirect\n)\n"
GO_SUM = "github.com/a/b v1.2.3 h1:aaa=\ngithub.com/a/b v1.2.3/go.mod h1:bbb=\n"


@pytest.mark.parametrize(
    ("name", "old", "new", "bump"),
    [
        ("Cargo.toml", CARGO, CARGO.replace("1.0.190", "1.0.193"), True),
        ("Cargo.toml", CARGO, CARGO.replace('"1.35"', '"1.36"'), True),
        ("Cargo.toml", CARGO, CARGO.replace("a/mine", "evil/mine"), False),
        ("Cargo.toml", CARGO, CARGO.replace('["full"]', '["full", "x"]'), False),
        (
            "Cargo.lock",
            CARGO_LOCK,
            CARGO_LOCK.replace("1.0.190", "1.0.193").replace("aaa", "ccc"),
            True,
        ),
        ("Cargo.lock", CARGO_LOCK, CARGO_LOCK.replace("aaa", "ccc"), False),
        (
            "Cargo.lock",
            CARGO_LOCK,
            CARGO_LOCK.replace("github.com/rust-lang", "evil.example"),
            False,
        ),
        ("go.mod", GO_MOD, GO_MOD.replace("v1.2.3", "v1.3.0"), True),
        ("go.mod", GO_MOD, GO_MOD.replace("v0.20.0 // indirect", "v0.21.0"), False),
        ("go.mod", GO_MOD, GO_MOD + "replace github.com/a/b => github.com/evil/b v1.2.3\n", False),
        ("go.mod", GO_MOD, GO_MOD.replace("v1.2.3", "v1.2.2"), False),
        (
            "go.sum",
            GO_SUM,
            GO_SUM + "github.com/a/b v1.3.0 h1:ccc=\ngithub.com/a/b v1.3.0/go.mod h1:ddd=\n",
            True,
        ),
        ("go.sum", GO_SUM, GO_SUM.replace("h1:aaa=", "h1:zzz="), False),
        ("go.sum", GO_SUM, GO_SUM + "github.com/evil/x v1.0.0 h1:eee=\n", False),
    ],
)
def test_cargo_and_go(name: str, old: str, new: str, bump: bool) -> None:
    verdict, summary = _bump(name, old, new)
    assert verdict is bump, summary


def test_version_grammars_are_real_grammars() -> None:
    assert version_key("10.0.0.1", "semver") is None  # an IP address is no semver
    assert version_key("1.2.3-rc.1+build.5", "semver") is not None
    assert version_key("v0.0.0-20240101120000-abcdef123456", "go") is not None
    assert version_key("1!2.0.post1", "pep440") is not None
    assert version_key("http://10.0.0.1", "pep440") is None
    assert parse_constraint(">=2.31,<3", "pep440") is not None
    assert parse_constraint("git+https://x/y", "semver") is None
    assert parse_constraint("1.2.3 - 2.3.4 || ^3", "semver") is not None
    assert compare_constraints("1.2.3-rc.1", "1.2.3", "semver").problem is None  # rc → final
    assert compare_constraints("^1.2.3", "^1.2.3-rc.1", "semver").problem is not None
