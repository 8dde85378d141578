"""A fake package index and OSV advisory source for the dependency tests.

``FakeIndex`` runs a ``ThreadingHTTPServer`` on 127.0.0.1 (an ephemeral port) in a thread and
answers, in the shapes of the real services:

    GET  /pypi/<name>/json            PyPI's JSON API (info.version, releases)
    GET  /npm/<name>                  the npm registry document (dist-tags, versions)
    GET  /go/<module>/@v/list         the Go module proxy's version list
    GET  /api/v1/crates/<name>        crates.io (crate.max_stable_version, versions[].num)
    POST /osv/v1/querybatch           OSV: {"results": [{"vulns": [{"id", "modified"}]}]}
    GET  /osv/v1/vulns/<id>           OSV: the advisory

Packages and advisories are set up front; every request is recorded. Stopped in teardown.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name
from packaging.version import Version


@dataclass(frozen=True, slots=True)
class FakeAdvisory:
    id: str
    ecosystem: str  # OSV's: PyPI, npm, Go, crates.io
    package: str
    introduced: str
    fixed: str
    severity: str = "HIGH"
    summary: str = "a vulnerability"


@dataclass(slots=True)
class FakeIndex:
    # ecosystem ("pypi", "npm", "go", "crates") -> name -> versions, oldest first
    packages: Mapping[str, Mapping[str, Sequence[str]]] = field(default_factory=dict)
    advisories: Sequence[FakeAdvisory] = ()
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def start(self) -> FakeIndex:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeIndex:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def settings(self) -> list[str]:
        """``--set`` overrides pointing every deps URL here."""
        u = self.url
        return [
            "--set", f"deps.index_url='{u}'", "--set", f"deps.npm_url='{u}/npm'",
            "--set", f"deps.go_proxy_url='{u}/go'", "--set", f"deps.crates_url='{u}'",
            "--set", f"deps.osv_url='{u}/osv'",
        ]  # fmt: skip

    def toml(self) -> str:
        """A ``[tool.specpilot.deps]`` table pointing every deps URL here."""
        u = self.url
        return (
            f'[tool.specpilot.deps]\nindex_url = "{u}"\nnpm_url = "{u}/npm"\n'
            f'go_proxy_url = "{u}/go"\ncrates_url = "{u}"\nosv_url = "{u}/osv"\n'
        )

    def paths(self, method: str = "GET") -> list[str]:
        return [p for m, p, _ in self.requests if m == method]

    # --- routes -------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        path = urlsplit(h.path).path
        body: Any = None
        if method == "POST":
            length = int(h.headers.get("Content-Length") or 0)
            body = json.loads(h.rfile.read(length) or b"null")
        self.requests.append((method, path, body))
        status, payload = self._route(method, path, body)
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        h.send_response(status)
        h.send_header(
            "Content-Type", "text/plain" if isinstance(payload, str) else "application/json"
        )
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if method == "POST" and parts == ["osv", "v1", "querybatch"]:
            return 200, {"results": [self._osv_query(q) for q in body["queries"]]}
        if method != "GET":
            return 405, {"error": "method"}
        if parts[:2] == ["osv", "v1"] and len(parts) == 4 and parts[2] == "vulns":
            return self._osv_vuln(parts[3])
        if len(parts) == 3 and parts[0] == "pypi" and parts[2] == "json":
            return self._pypi(parts[1])
        if parts and parts[0] == "npm" and len(parts) >= 2:
            return self._npm("/".join(parts[1:]))
        if parts and parts[0] == "go" and parts[-2:] == ["@v", "list"]:
            return self._go("/".join(parts[1:-2]))
        if parts[:3] == ["api", "v1", "crates"] and len(parts) == 4:
            return self._crates(parts[3])
        return 404, {"message": "Not Found"}

    def _versions(self, ecosystem: str, name: str) -> Sequence[str] | None:
        table = self.packages.get(ecosystem, {})
        if ecosystem == "pypi":
            table = {canonicalize_name(k): v for k, v in table.items()}
            name = canonicalize_name(name)
        return table.get(name)

    def _pypi(self, name: str) -> tuple[int, Any]:
        versions = self._versions("pypi", name)
        if versions is None:
            return 404, {"message": "Not Found"}
        latest = max(versions, key=Version)
        releases = {v: [{"filename": f"{name}-{v}.tar.gz", "yanked": False}] for v in versions}
        return 200, {"info": {"name": name, "version": latest}, "releases": releases}

    def _npm(self, name: str) -> tuple[int, Any]:
        versions = self._versions("npm", name)
        if versions is None:
            return 404, {"error": "Not found"}
        return 200, {
            "name": name,
            "dist-tags": {"latest": versions[-1]},
            "versions": {v: {"name": name, "version": v} for v in versions},
        }

    def _go(self, escaped: str) -> tuple[int, Any]:
        module = re.sub(r"!([a-z])", lambda m: m.group(1).upper(), escaped)  # the proxy's case code
        versions = self._versions("go", module)
        if versions is None:
            return 404, "not found: module " + module
        return 200, "\n".join(versions) + "\n"

    def _crates(self, name: str) -> tuple[int, Any]:
        versions = self._versions("crates", name)
        if versions is None:
            return 404, {"errors": [{"detail": "Not Found"}]}
        return 200, {
            "crate": {"name": name, "max_stable_version": versions[-1]},
            "versions": [{"num": v, "yanked": False} for v in reversed(versions)],
        }

    def _osv_query(self, query: dict[str, Any]) -> dict[str, Any]:
        package, version = query["package"], query["version"]
        hits = [
            {"id": a.id, "modified": "2026-01-01T00:00:00Z"}
            for a in self.advisories
            if a.ecosystem == package["ecosystem"]
            and canonicalize_name(a.package) == canonicalize_name(package["name"])
            and _in_range(a, version)
        ]
        return {"vulns": hits} if hits else {}

    def _osv_vuln(self, vuln_id: str) -> tuple[int, Any]:
        a = next((a for a in self.advisories if a.id == vuln_id), None)
        if a is None:
            return 404, {"code": 5, "message": "Bug not found."}
        return 200, {
            "id": a.id,
            "summary": a.summary,
            "modified": "2026-01-01T00:00:00Z",
            "aliases": [f"CVE-2026-{sum(map(ord, a.id)):04d}"],
            "database_specific": {"severity": a.severity},
            "affected": [
                {
                    "package": {"ecosystem": a.ecosystem, "name": a.package},
                    "ranges": [
                        {
                            "type": "ECOSYSTEM",
                            "events": [{"introduced": a.introduced}, {"fixed": a.fixed}],
                        }
                    ],
                }
            ],
        }


def _in_range(a: FakeAdvisory, version: str) -> bool:
    """OSV's matching: PEP 440 for PyPI, plain semver elsewhere (a Go ``v`` matches nothing)."""
    if a.ecosystem != "PyPI" and version.startswith("v"):
        return False
    return Version(a.introduced) <= Version(version) < Version(a.fixed)
