"""The dependency library against the loopback fake index and OSV source: each ecosystem's
index shape, OSV's querybatch with pagination, the manifests' declarations (bounded, pinned,
the version in use), which bumps are needed and to what, and the spec a bump becomes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest

from specpilot.pipeline.core.config import DepsConfig
from specpilot.pipeline.core.errors import ConfigError, DepsError
from specpilot.pipeline.deps.bump_spec import bump_spec
from specpilot.pipeline.deps.check import check_repo, find_manifests
from specpilot.pipeline.deps.osv import OsvClient, Query
from specpilot.pipeline.deps.registry import PackageIndex
from specpilot.pipeline.tiers.dep_list import declared
from tests.fake_index import FakeAdvisory, FakeIndex

PACKAGES = {
    "pypi": {"Requests": ["2.30.0", "2.31.0", "2.32.0", "2.32.3", "2.33.0"], "rich": ["13.7.0"]},
    "npm": {"@types/node": ["20.0.0", "22.1.0"], "lodash": ["4.17.20", "4.17.21"]},
    "go": {"github.com/BurntSushi/toml": ["v1.2.0", "v1.3.2", "v1.4.0-rc1"]},
    "crates": {"serde": ["1.0.190", "1.0.200"]},
}
ADVISORIES = (
    FakeAdvisory("GHSA-aaaa", "PyPI", "requests", "2.0.0", "2.31.0", "MODERATE"),
    FakeAdvisory("GHSA-bbbb", "PyPI", "requests", "2.30.0", "2.32.1", "HIGH"),
    FakeAdvisory("GO-2026-0001", "Go", "github.com/BurntSushi/toml", "1.0.0", "1.3.2"),
)


@pytest.fixture
def fake() -> Iterator[FakeIndex]:
    with FakeIndex(packages=PACKAGES, advisories=ADVISORIES) as index:
        yield index


def _config(fake: FakeIndex) -> DepsConfig:
    u = fake.url
    return DepsConfig(
        index_url=u, npm_url=f"{u}/npm", go_proxy_url=f"{u}/go", crates_url=u, osv_url=f"{u}/osv"
    )


def test_each_index_shape(fake: FakeIndex) -> None:
    with PackageIndex(_config(fake)) as index:
        pypi = index.info("pypi", "requests")
        assert pypi is not None and pypi.latest == "2.33.0"
        assert pypi.versions == ("2.30.0", "2.31.0", "2.32.0", "2.32.3", "2.33.0")
        npm = index.info("npm", "@types/node")
        assert npm is not None and npm.latest == "22.1.0"
        go = index.info("go", "github.com/BurntSushi/toml")
        assert go is not None and go.latest == "v1.3.2"  # a pre-release is not the latest
        crate = index.info("crates", "serde")
        assert crate is not None and crate.latest == "1.0.200"
        assert index.info("pypi", "no-such-package") is None
        assert index.exists("npm", "lodash") is True and index.exists("npm", "lodahs") is False
        with pytest.raises(DepsError, match="ecosystem 'maven'"):
            index.info("maven", "x")
    paths = fake.paths()
    assert "/npm/@types%2Fnode" in paths  # npm's escaping of a scoped name ...
    assert "/go/github.com/!burnt!sushi/toml/@v/list" in paths  # ... and Go's case escaping


def test_an_index_that_fails_is_a_deps_error_and_exists_says_none() -> None:
    config = DepsConfig(index_url="http://127.0.0.1:9", timeout_s=2)
    with PackageIndex(config) as index:
        with pytest.raises(DepsError, match=r"cannot reach http://127.0.0.1:9/pypi/x/json"):
            index.info("pypi", "x")
        assert index.exists("pypi", "y") is None


def test_osv_querybatch_in_order_with_details(fake: FakeIndex) -> None:
    with OsvClient(_config(fake)) as osv:
        found = osv.advisories(
            [
                Query("pypi", "requests", "2.30.0"),
                Query("pypi", "rich", "13.7.0"),
                Query("pypi", "requests", "2.31.0"),
            ]
        )
    assert [[a.id for a in hits] for hits in found] == [
        ["GHSA-aaaa", "GHSA-bbbb"],
        [],
        ["GHSA-bbbb"],
    ]
    a = found[0][0]
    assert (a.severity, a.fixed) == ("MODERATE", ("2.31.0",))
    # one batch, one details request per advisory (cached)
    assert len(fake.paths("POST")) == 1
    assert sorted(p for p in fake.paths() if "/vulns/" in p) == [
        "/osv/v1/vulns/GHSA-aaaa",
        "/osv/v1/vulns/GHSA-bbbb",
    ]


class _PagedOsv(BaseHTTPRequestHandler):
    """OSV answering one id a page, as the real API does for long result lists."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        results = []
        for q in body["queries"]:
            page = int(q.get("page_token") or 0)
            result: dict[str, Any] = {"vulns": [{"id": f"OSV-{page}", "modified": "x"}]}
            if page < 2:
                result["next_page_token"] = str(page + 1)
            results.append(result)
        self._send({"results": results})

    def do_GET(self) -> None:
        vuln = self.path.rsplit("/", 1)[1]
        self._send(
            {
                "id": vuln,
                "summary": "s",
                "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N"}],
            }
        )

    def _send(self, data: Any) -> None:
        raw = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_osv_pages_are_followed() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PagedOsv)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with OsvClient(DepsConfig(osv_url=url)) as osv:
            [hits] = osv.advisories([Query("npm", "x", "1.0.0")])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert [a.id for a in hits] == ["OSV-0", "OSV-1", "OSV-2"]
    assert hits[0].severity == "CVSS:3.1/AV:N" and hits[0].fixed == ()


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        # (name, spec, bounded, pinned, floor)
        ("requirements.txt", "requests==2.31.0\n", [("requests", "==2.31.0", True, "2.31.0", "2.31.0")]),
        ("requirements-dev.txt", "Flask_Login\n", [("flask-login", "", False, None, None)]),
        ("requirements.txt", "rich>=13,<14\n", [("rich", "<14,>=13", True, None, "13")]),
        ("requirements.txt", "rich>=13\n", [("rich", ">=13", True, None, "13")]),
        ("package.json", '{"dependencies": {"a": "^1.2.3", "b": "*", "c": "latest", "d": "1.0.0"}}',
         [("a", "^1.2.3", True, None, "1.2.3"), ("b", "*", False, None, None),
          ("c", "latest", False, None, None), ("d", "1.0.0", True, "1.0.0", "1.0.0")]),
        ("package.json", '{"devDependencies": {"e": "git+https://x/e.git"}}',
         [("e", "", True, None, None)]),  # a source, not a range: bounded by what it names
        ("Cargo.toml", '[dependencies]\nserde = "1.0.190"\nx = { version = "=2.0.0" }\ny = "1.2"\n',
         [("serde", "1.0.190", True, None, "1.0.190"), ("x", "=2.0.0", True, "2.0.0", "2.0.0"),
          ("y", "1.2", True, None, "1.2.0")]),  # Cargo's 1.2 is ^1.2.0
        ("go.mod", "module m\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n)\n",
         [("github.com/pkg/errors", "v0.9.1", True, "v0.9.1", "v0.9.1")]),
        ("pyproject.toml", '[project]\nname = "d"\ndependencies = ["httpx>=0.27"]\n'
         '[project.optional-dependencies]\ndev = ["pytest"]\n[build-system]\nrequires = ["hatchling"]\n',
         [("httpx", ">=0.27", True, None, "0.27"), ("pytest", "", False, None, None),
          ("hatchling", "", False, None, None)]),  # build requirements run code too
        ("README.md", "requests==1\n", []),
    ],
)  # fmt: skip
def test_declared(path: str, text: str, expected: list[tuple[Any, ...]]) -> None:
    got = [(d.name, d.spec, d.bounded, d.pinned, d.floor) for d in declared(path, text)]
    assert got == expected


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def test_check_repo_and_the_bump_targets(fake: FakeIndex, tmp_path: Path) -> None:
    repo = _repo(tmp_path, {
        "requirements.txt": "requests==2.30.0\nrich==13.7.0\nunpinned\n",
        "web/package.json": '{"dependencies": {"lodash": "4.17.20"}}',
        "node_modules/x/package.json": '{"dependencies": {"lodash": "1.0.0"}}',  # vendored
        "broken/Cargo.toml": "[dependencies\n",
    })  # fmt: skip
    assert find_manifests(repo) == ["broken/Cargo.toml", "requirements.txt", "web/package.json"]
    report = check_repo(repo, _config(fake))
    assert report.problems and report.problems[0].startswith("broken/Cargo.toml")
    rows = {d.dep.name: d for d in report.deps}
    assert rows["unpinned"].current is None and rows["unpinned"].error is not None
    assert [a.id for a in rows["requests"].advisories] == ["GHSA-aaaa", "GHSA-bbbb"]
    # every outdated dependency goes to the latest; with only_vulnerable, the vulnerable one
    # goes to the lowest published version that fixes every advisory (2.32.1 is not published)
    assert {(s.dep.name, t) for s, t in report.bumps()} == {
        ("requests", "2.33.0"),
        ("lodash", "4.17.21"),
    }
    assert [(s.dep.name, t) for s, t in report.bumps(only_vulnerable=True)] == [
        ("requests", "2.32.3")
    ]


def test_a_bump_becomes_a_spec(fake: FakeIndex, tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"requirements.txt": "requests==2.30.0\n"})
    [(status, target)] = check_repo(repo, _config(fake)).bumps(only_vulnerable=True)
    spec, text = bump_spec(status, target, test_command="pytest -q")
    assert spec.title == "Bump requests from 2.30.0 to 2.32.3 (GHSA-aaaa, GHSA-bbbb)"
    assert spec.acceptance[-1] == "the tests pass" and spec.test_command == "pytest -q"
    assert "GHSA-bbbb (severity HIGH; fixed in 2.32.1)" in spec.body
    assert "adapt the code to the API of requests 2.32.3" in spec.body
    assert "Do not add, remove or loosen any other dependency." in text
    assert spec.slug.startswith("bump-requests-from-2-30-0-to-2-32-3")


def test_deps_config_refuses_what_is_not_an_http_url() -> None:
    with pytest.raises(ConfigError, match=r"DepsConfig\.index_url 'file:///etc' is not an http"):
        DepsConfig(index_url="file:///etc")
    with pytest.raises(ConfigError, match="timeout_s must be greater than 0"):
        DepsConfig(timeout_s=0)


def test_the_lockfile_says_which_version_is_in_use(fake: FakeIndex, tmp_path: Path) -> None:
    poetry_lock = (
        '[[package]]\nname = "Requests"\nversion = "2.30.0"\n\n'
        '[[package]]\nname = "rich"\nversion = "13.7.0"\n'
    )
    npm_lock = {
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "web"},
            "node_modules/lodash": {"version": "4.17.20"},
            "node_modules/a/node_modules/lodash": {"version": "1.0.0"},  # a nested copy
        },
    }
    repo = _repo(tmp_path, {
        "pyproject.toml": '[project]\nname = "d"\ndependencies = ["requests>=2.0", "rich"]\n',
        "poetry.lock": poetry_lock,
        "web/package.json": '{"dependencies": {"lodash": "^4.17.0"}}',
        "web/package-lock.json": json.dumps(npm_lock),
        "Cargo.toml": '[dependencies]\nserde = "1.0"\n',
        "Cargo.lock": '[[package]]\nname = "serde"\nversion = "1.0.190"\n',
    })  # fmt: skip
    rows = {d.dep.name: d for d in check_repo(repo, _config(fake)).deps}
    assert (rows["requests"].current, rows["requests"].locked) == ("2.30.0", True)
    assert [a.id for a in rows["requests"].advisories] == ["GHSA-aaaa", "GHSA-bbbb"]
    assert rows["rich"].current == "13.7.0"  # unbounded in the manifest, locked all the same
    assert (rows["lodash"].current, rows["lodash"].locked) == ("4.17.20", True)
    assert rows["serde"].current == "1.0.190" and rows["serde"].outdated
    # without the lockfile, the range's floor is all there is
    (repo / "poetry.lock").unlink()
    rows = {d.dep.name: d for d in check_repo(repo, _config(fake)).deps}
    assert (rows["requests"].current, rows["requests"].locked) == ("2.0", False)
    assert rows["rich"].current is None and rows["rich"].advisories == ()


def test_go_versions_lose_their_v_for_osv_and_get_it_back(fake: FakeIndex, tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"go.mod": "module m\n\nrequire github.com/BurntSushi/toml v1.2.0\n"})
    report = check_repo(repo, _config(fake))
    [status] = report.deps
    assert [a.id for a in status.advisories] == ["GO-2026-0001"]
    assert status.advisories[0].fixed == ("v1.3.2",)
    assert report.bumps(only_vulnerable=True)[0][1] == "v1.3.2"
    [(_, _, body)] = [r for r in fake.requests if r[0] == "POST"]
    assert body["queries"][0]["version"] == "1.2.0"
