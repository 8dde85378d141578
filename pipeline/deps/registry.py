"""Package indexes: which versions of a package exist, which is the latest, does it exist.

One client per ecosystem, each speaking the public API of the real index at a configured
URL (``pipeline.core.config.DepsConfig``), so a mirror or a loopback fake can stand in:

    pypi    GET {index_url}/pypi/<name>/json        info.version, releases (yanked files)
    npm     GET {npm_url}/<name>                    dist-tags.latest, versions
    go      GET {go_proxy_url}/<module>/@v/list     one version a line (module path escaped)
    crates  GET {crates_url}/api/v1/crates/<name>   crate.max_stable_version, versions[].num

A 404 means the package does not exist; anything else that fails raises ``DepsError``
naming the URL. :meth:`PackageIndex.exists` is the supply-chain guard's lookup
(``pipeline.tiers.supply_chain.PackageLookup``): it answers ``None`` instead of raising.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from specpilot.pipeline.core.config import DepsConfig
from specpilot.pipeline.core.errors import DepsError
from specpilot.pipeline.tiers.versions import version_key

logger = logging.getLogger(__name__)

USER_AGENT = "specpilot-deps (+https://github.com/specpilot)"


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """What an index says about one package."""

    ecosystem: str
    name: str
    latest: str | None  # the newest stable version (None: only pre-releases, or none)
    versions: tuple[str, ...]  # every published, not yanked version, oldest first


class PackageIndex:
    """The configured indexes of every ecosystem, with one HTTP client."""

    def __init__(self, config: DepsConfig, *, client: httpx.Client | None = None) -> None:
        self.config = config
        self._client = client or httpx.Client(
            timeout=config.timeout_s, headers={"User-Agent": USER_AGENT}, follow_redirects=True
        )
        self._cache: dict[tuple[str, str], PackageInfo | None] = {}

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PackageIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def info(self, ecosystem: str, name: str) -> PackageInfo | None:
        """The package, or ``None`` when the index has no such name; DepsError otherwise."""
        key = (ecosystem, name)
        if key not in self._cache:
            reader = {"pypi": self._pypi, "npm": self._npm, "go": self._go, "crates": self._crates}
            if ecosystem not in reader:
                raise DepsError(
                    f"no package index is known for the ecosystem {ecosystem!r}; "
                    f"known: {', '.join(reader)}."
                )
            self._cache[key] = reader[ecosystem](name)
        return self._cache[key]

    def exists(self, ecosystem: str, name: str) -> bool | None:
        try:
            return self.info(ecosystem, name) is not None
        except DepsError as exc:
            logger.warning("cannot look up %s on the %s index: %s", name, ecosystem, exc)
            return None

    # --- the indexes ------------------------------------------------------------------

    def _pypi(self, name: str) -> PackageInfo | None:
        data = self._get_json(f"{self.config.index_url.rstrip('/')}/pypi/{quote(name)}/json")
        if data is None:
            return None
        info, releases = data.get("info"), data.get("releases", {})
        if not isinstance(info, dict) or not isinstance(releases, dict):
            raise DepsError(f"the PyPI JSON for {name} has no info / releases tables.")
        versions = [
            v
            for v, files in releases.items()
            if not (isinstance(files, list) and files and all(f.get("yanked") for f in files))
        ]
        ordered = _sorted(versions, "pep440")
        finals = [v for v in ordered if stable(v, "pep440")]
        latest = info.get("version") if isinstance(info.get("version"), str) else None
        if latest is None or latest not in ordered:
            latest = finals[-1] if finals else None
        return PackageInfo("pypi", name, latest, tuple(ordered))

    def _npm(self, name: str) -> PackageInfo | None:
        escaped = quote(name, safe="@")  # @scope/name -> @scope%2Fname, as npm expects
        data = self._get_json(f"{self.config.npm_url.rstrip('/')}/{escaped}")
        if data is None:
            return None
        versions = data.get("versions", {})
        tags = data.get("dist-tags", {})
        if not isinstance(versions, dict):
            raise DepsError(f"the npm document for {name} has no versions object.")
        ordered = _sorted(list(versions), "semver")
        latest = tags.get("latest") if isinstance(tags, dict) else None
        if not isinstance(latest, str):
            releases = [v for v in ordered if stable(v, "semver")]
            latest = releases[-1] if releases else None
        return PackageInfo("npm", name, latest, tuple(ordered))

    def _go(self, module: str) -> PackageInfo | None:
        url = f"{self.config.go_proxy_url.rstrip('/')}/{_go_escape(module)}/@v/list"
        text = self._get_text(url)
        if text is None:
            return None
        ordered = _sorted([line.strip() for line in text.splitlines() if line.strip()], "go")
        releases = [v for v in ordered if stable(v, "go")]
        return PackageInfo("go", module, releases[-1] if releases else None, tuple(ordered))

    def _crates(self, name: str) -> PackageInfo | None:
        data = self._get_json(f"{self.config.crates_url.rstrip('/')}/api/v1/crates/{quote(name)}")
        if data is None:
            return None
        crate = data.get("crate", {})
        listed = data.get("versions", [])
        versions = [
            v["num"]
            for v in listed
            if isinstance(v, dict) and isinstance(v.get("num"), str) and not v.get("yanked")
        ]
        ordered = _sorted(versions, "semver")
        latest = crate.get("max_stable_version") if isinstance(crate, dict) else None
        if not isinstance(latest, str):
            releases = [v for v in ordered if stable(v, "semver")]
            latest = releases[-1] if releases else None
        return PackageInfo("crates", name, latest, tuple(ordered))

    # --- HTTP -------------------------------------------------------------------------

    def _get(self, url: str) -> httpx.Response | None:
        try:
            response = self._client.get(url)
        except httpx.HTTPError as exc:
            raise DepsError(f"cannot reach {url}: {type(exc).__name__}: {exc}.") from exc
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise DepsError(f"{url} answered HTTP {response.status_code}.")
        return response

    def _get_json(self, url: str) -> dict[str, Any] | None:
        response = self._get(url)
        if response is None:
            return None
        try:
            data = response.json()
        except ValueError as exc:
            raise DepsError(f"{url} did not answer JSON: {exc}.") from exc
        if not isinstance(data, dict):
            raise DepsError(f"{url} answered JSON that is not an object.")
        return data

    def _get_text(self, url: str) -> str | None:
        response = self._get(url)
        return None if response is None else response.text


def _go_escape(module: str) -> str:
    """The Go module proxy's case encoding: each upper-case letter becomes ``!`` + lower."""
    return "".join(f"!{c.lower()}" if c.isupper() else c for c in module)


def _sorted(versions: list[str], grammar: Any) -> list[str]:
    keyed = [(k, v) for v in versions if (k := version_key(v, grammar)) is not None]
    keyed.sort(key=lambda kv: kv[0][0])
    return [v for _, v in keyed]


def stable(version: str, grammar: Any) -> bool:
    if grammar == "pep440":
        from packaging.version import InvalidVersion, Version

        try:
            return not Version(version).is_prerelease
        except InvalidVersion:
            return False
    return "-" not in version.removesuffix("+incompatible")


def newer(current: str, other: str, grammar: Any) -> bool:
    """Is ``other`` a higher version than ``current`` in ``grammar``?"""
    a, b = version_key(current, grammar), version_key(other, grammar)
    return a is not None and b is not None and b[0] > a[0]
