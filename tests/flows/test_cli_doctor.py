"""`specpilot doctor`: one check per capability, a verdict and a detail each; exit 1 on a fail."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specpilot.flows.commands import app
from tests.flows.spec_helpers import HASH


class _Health(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.path + " auth=" + str(self.headers.get("authorization")))
        self.send_response(200 if self.path.endswith("/health") else 404)
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_doctor_reports_each_capability(
    make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, health_server: str
) -> None:
    repo = make_repo({"a.py": "def f():\n    return 1\n"}, git=True)
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PREFECT_API_URL", health_server + "/api")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", health_server)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-never-sent")
    runner = CliRunner()
    result = runner.invoke(app, ["doctor", "--repo", str(repo), "--json", *HASH])
    assert result.exit_code == 0, result.output
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert set(checks) == {"sandbox", "model", "delivery", "prefect", "index"}
    assert all(c["verdict"] in {"ok", "warn", "fail"} and c["detail"] for c in checks.values())
    assert checks["prefect"]["verdict"] == "ok"
    assert checks["model"]["verdict"] == "ok" and "ANTHROPIC_API_KEY" in checks["model"]["detail"]
    assert checks["index"]["verdict"] == "warn" and "specpilot index" in checks["index"]["detail"]
    assert checks["delivery"]["verdict"] == "warn"  # no remote
    # the key is never sent anywhere by the doctor
    assert all("sk-ant" not in s for s in _Health.seen)

    assert runner.invoke(app, ["index", str(repo), *HASH]).exit_code == 0
    result = runner.invoke(app, ["doctor", "--repo", str(repo), "--json", *HASH])
    assert {c["name"]: c["verdict"] for c in json.loads(result.stdout)}["index"] == "ok"


def test_an_unreachable_endpoint_fails_the_doctor(
    make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"a.py": "x = 1\n"}, git=True)
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{_closed_port()}/api")
    result = CliRunner().invoke(app, ["doctor", "--repo", str(repo), *HASH])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("model  fail  ") and "not reachable" in line for line in lines)
    assert any(line.startswith("prefect  fail  ") for line in lines)
