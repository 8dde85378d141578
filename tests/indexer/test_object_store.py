"""An index on object storage (``--db s3://bucket/prefix``) through the CLI, against a real
S3 endpoint on loopback: moto's server on 127.0.0.1, its own process group, stopped in the end.
LanceDB reads the endpoint and credentials from the standard ``AWS_*`` variables."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.services import BIN, Services, free_port, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

HASH = ["--set", "index.embed.model='hash'"]
SMALL_REPO = {
    "pkg/__init__.py": "from .retry import Retry\n",
    "pkg/retry.py": (
        "import time\n\n\n"
        "class Retry:\n"
        '    """Retry a call with exponential backoff."""\n\n'
        "    def call(self, fn, attempts=3):\n"
        "        for n in range(attempts):\n"
        "            try:\n"
        "                return fn()\n"
        "            except OSError:\n"
        "                time.sleep(2 ** n)\n"
    ),
    "pkg/client.py": (
        "from pkg.retry import Retry\n\n\n"
        "def fetch(url):\n"
        '    """Fetch a URL, retrying on network errors."""\n'
        "    return Retry().call(lambda: open(url).read())\n"
    ),
}


def _cli(env: dict[str, str], *args: str) -> Any:
    done = subprocess.run(
        [str(BIN / "specpilot"), *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def s3_env(tmp_path: Path) -> Any:
    """An S3 endpoint with an empty bucket ``specpilot``; the environment that points at it."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = tmp_path / "moto.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_ENDPOINT": endpoint,
        "AWS_ALLOW_HTTP": "true",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "SPECPILOT_HOME": str(tmp_path / "home"),
    }
    with Services(env, [log]) as services:
        services.start([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], log)
        wait_for("the S3 endpoint", lambda: urllib.request.urlopen(endpoint, timeout=2), 60, [log])
        create = urllib.request.Request(f"{endpoint}/specpilot", method="PUT")
        assert urllib.request.urlopen(create, timeout=10).status == 200
        yield env


def test_index_search_and_reindex_on_s3(s3_env: dict[str, str], make_repo, tmp_path) -> None:
    repo = make_repo(SMALL_REPO, git=True)
    db = "s3://specpilot/indexes/small"
    first = _cli(s3_env, "index", str(repo), "--db", db, *HASH)
    assert first["files"] == len(SMALL_REPO) and first["added"] == len(SMALL_REPO)
    assert first["chunks"] > 0 and first["edges"] > 0
    assert not (tmp_path / "home" / "indexes").exists()  # nothing went to the local default

    hits = _cli(s3_env, "search", "retry with exponential backoff", "--repo", str(repo),
                "--db", db, "--files", *HASH)  # fmt: skip
    assert hits[0]["path"] == "pkg/retry.py"

    (repo / "pkg" / "client.py").write_text(
        (repo / "pkg" / "client.py").read_text() + "\n\ndef fetch_json(url):\n    return url\n"
    )
    again = _cli(s3_env, "index", str(repo), "--db", db, *HASH)
    assert (again["changed"], again["added"], again["deleted"]) == (1, 0, 0)
    assert 0 < again["chunks_embedded"] <= 3  # only the edited file's chunks

    symbols = _cli(s3_env, "search", "fetch_json", "--repo", str(repo), "--db", db, *HASH)
    assert symbols[0]["symbol"] == "fetch_json" and symbols[0]["path"] == "pkg/client.py"
    status = _cli(s3_env, "status", "--repo", str(repo), "--db", db, *HASH)
    assert status["state"] == "complete" and status["up_to_date"] is True
