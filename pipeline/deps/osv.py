"""Known vulnerabilities of package versions, from an advisory source speaking the OSV API.

``POST {osv_url}/v1/querybatch`` with ``{"queries": [{"package": {"name", "ecosystem"},
"version"}, ...]}`` answers ``{"results": [{"vulns": [{"id", "modified"}],
"next_page_token"?}, ...]}`` in the order asked (ids only; a result with a page token is
asked again with ``page_token``). Each advisory is then read once with
``GET {osv_url}/v1/vulns/<id>`` for its summary, severity and the versions that fix it
(``affected[].ranges[].events[].fixed`` of the entry naming the package). Go versions go to
OSV without their ``v`` (OSV's Go ranges are plain semver) and come back with it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from specpilot.pipeline.core.config import DepsConfig
from specpilot.pipeline.core.errors import DepsError
from specpilot.pipeline.deps.registry import USER_AGENT

logger = logging.getLogger(__name__)

# specpilot's ecosystem ids -> OSV's
OSV_ECOSYSTEM = {"pypi": "PyPI", "npm": "npm", "go": "Go", "crates": "crates.io"}
BATCH = 1000  # the most queries OSV takes in one request
MAX_PAGES = 10


@dataclass(frozen=True, slots=True)
class Advisory:
    id: str
    summary: str
    severity: str  # "CRITICAL" / "HIGH" / ... as the advisory says, a CVSS vector, or "unknown"
    fixed: tuple[str, ...]  # versions that fix it for the package asked about
    aliases: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "summary": self.summary,
            "severity": self.severity,
            "fixed": list(self.fixed),
            "aliases": list(self.aliases),
        }


@dataclass(frozen=True, slots=True)
class Query:
    ecosystem: str  # specpilot's id: pypi, npm, go, crates
    name: str
    version: str


class OsvClient:
    def __init__(self, config: DepsConfig, *, client: httpx.Client | None = None) -> None:
        self.base = config.osv_url.rstrip("/")
        self._client = client or httpx.Client(
            timeout=config.timeout_s, headers={"User-Agent": USER_AGENT}
        )
        self._vulns: dict[str, dict[str, Any]] = {}

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> OsvClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def advisories(self, queries: Sequence[Query]) -> list[tuple[Advisory, ...]]:
        """The advisories affecting each query's version, in the order of ``queries``."""
        out: list[tuple[Advisory, ...]] = []
        for start in range(0, len(queries), BATCH):
            chunk = list(queries[start : start + BATCH])
            ids = self._ids(chunk)
            out += [
                tuple(self._advisory(vid, q) for vid in found)
                for q, found in zip(chunk, ids, strict=True)
            ]
        return out

    def _ids(self, queries: list[Query]) -> list[list[str]]:
        found: list[list[str]] = [[] for _ in queries]
        pending = {i: "" for i in range(len(queries))}  # query -> page token
        for _ in range(MAX_PAGES):
            if not pending:
                break
            order = list(pending)
            body = {"queries": [self._query(queries[i], pending[i]) for i in order]}
            results = self._post("/v1/querybatch", body).get("results")
            if not isinstance(results, list) or len(results) != len(order):
                raise DepsError(
                    f"{self.base}/v1/querybatch answered {type(results).__name__} results for "
                    f"{len(order)} queries; it must answer one result per query, in order."
                )
            pending = {}
            for i, result in zip(order, results, strict=True):
                vulns = result.get("vulns", []) if isinstance(result, dict) else []
                found[i] += [v["id"] for v in vulns if isinstance(v, dict) and "id" in v]
                token = result.get("next_page_token") if isinstance(result, dict) else None
                if isinstance(token, str) and token:
                    pending[i] = token
        return [list(dict.fromkeys(ids)) for ids in found]

    @staticmethod
    def _query(q: Query, page_token: str) -> dict[str, Any]:
        query: dict[str, Any] = {
            "package": {"name": q.name, "ecosystem": OSV_ECOSYSTEM[q.ecosystem]},
            # OSV's Go versions are plain semver: v1.2.3 would match no range
            "version": q.version.removeprefix("v") if q.ecosystem == "go" else q.version,
        }
        if page_token:
            query["page_token"] = page_token
        return query

    def _advisory(self, vuln_id: str, q: Query) -> Advisory:
        if vuln_id not in self._vulns:
            self._vulns[vuln_id] = self._get(f"/v1/vulns/{quote(vuln_id)}")
        doc = self._vulns[vuln_id]
        return Advisory(
            id=vuln_id,
            summary=str(doc.get("summary") or doc.get("details") or "")[:200],
            severity=_severity(doc),
            fixed=_fixed(doc, q),
            aliases=tuple(a for a in doc.get("aliases", []) if isinstance(a, str)),
        )

    # --- HTTP -------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(lambda: self._client.post(self.base + path, json=body), path)

    def _get(self, path: str) -> dict[str, Any]:
        return self._json(lambda: self._client.get(self.base + path), path)

    def _json(self, send: Any, path: str) -> dict[str, Any]:
        url = self.base + path
        try:
            response = send()
        except httpx.HTTPError as exc:
            raise DepsError(f"cannot reach {url}: {type(exc).__name__}: {exc}.") from exc
        if response.status_code != 200:
            raise DepsError(f"{url} answered HTTP {response.status_code}.")
        try:
            data = response.json()
        except ValueError as exc:
            raise DepsError(f"{url} did not answer JSON: {exc}.") from exc
        if not isinstance(data, dict):
            raise DepsError(f"{url} answered JSON that is not an object.")
        return data


def _severity(doc: dict[str, Any]) -> str:
    """The advisory's own rating (GHSA: ``database_specific.severity``), else its first
    CVSS vector, else ``unknown``."""
    for table in (doc.get("database_specific"), *_affected_specific(doc)):
        if isinstance(table, dict) and isinstance(table.get("severity"), str):
            return table["severity"].upper()
    for item in doc.get("severity", []) or []:
        if isinstance(item, dict) and isinstance(item.get("score"), str):
            return item["score"]
    return "unknown"


def _affected_specific(doc: dict[str, Any]) -> list[Any]:
    return [a.get("ecosystem_specific") for a in doc.get("affected", []) if isinstance(a, dict)]


def _fixed(doc: dict[str, Any], q: Query) -> tuple[str, ...]:
    fixed: list[str] = []
    for affected in doc.get("affected", []) or []:
        package = affected.get("package", {}) if isinstance(affected, dict) else {}
        if not isinstance(package, dict) or not _same(package, q):
            continue
        for r in affected.get("ranges", []) or []:
            for event in r.get("events", []) if isinstance(r, dict) else []:
                if isinstance(event, dict) and isinstance(event.get("fixed"), str):
                    version = event["fixed"]
                    if q.ecosystem == "go" and not version.startswith("v"):
                        version = f"v{version}"  # go.mod's spelling again
                    fixed.append(version)
    return tuple(dict.fromkeys(fixed))


def _same(package: dict[str, Any], q: Query) -> bool:
    if package.get("ecosystem") != OSV_ECOSYSTEM[q.ecosystem]:
        return False
    name = str(package.get("name", ""))
    if q.ecosystem == "pypi":
        from packaging.utils import canonicalize_name

        return canonicalize_name(name) == canonicalize_name(q.name)
    return name == q.name
