"""``specpilot report --html``: a self-contained page whose charts render in a real browser.

The browser is Debian's headless Chromium (``apt-get install chromium``); without it the
screenshot test is skipped, saying so. The screenshot's chart areas (the page's fixed layout,
pipeline/kpi/page.py) must hold coloured pixels; the same page with its PNGs broken must not,
so the check can tell a drawn chart from a broken image.
"""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from specpilot.pipeline.kpi.from_log import kpis_from_log
from specpilot.pipeline.kpi.metrics import Kpis, compute_kpis
from specpilot.pipeline.kpi.page import (
    CHART_H,
    CHART_LEFT,
    CHART_STEP,
    CHART_W,
    CHARTS,
    HEADER_PX,
    render_page,
)
from tests.pipeline.kpi_log import REPO, T0, write_known_log
from tests.pipeline.policy_fixtures import AUDIT_KEY

CHROMIUM = "/usr/bin/chromium"
WINDOW = (1200, 1600)


def _kpis(tmp_path: Path) -> Kpis:
    log = write_known_log(tmp_path / "audit.jsonl")
    since, until = T0 - timedelta(days=1), T0 + timedelta(days=30)
    return kpis_from_log(log, AUDIT_KEY, runs_dir=None, since=since, until=until, repo=REPO)


def test_the_page_is_self_contained(tmp_path: Path) -> None:
    page = render_page(_kpis(tmp_path))
    links = re.findall(r"""(?:src|href|action)\s*=\s*["']([^"']*)""", page, flags=re.IGNORECASE)
    assert len(links) == len(CHARTS) and all(u.startswith("data:image/png;base64,") for u in links)
    assert not re.search(r"https?://|<script|<link|@import|url\(", page, flags=re.IGNORECASE)
    for name in CHARTS:
        assert f'id="{name}"' in page
    assert "75% (3 merged of 4 with a fate)" in page and "4.0 h" in page  # the numbers too


def test_an_empty_window_still_makes_a_page(tmp_path: Path) -> None:
    k = compute_kpis([], since=T0, until=T0 + timedelta(days=1))
    page = render_page(k)
    assert page.count("data:image/png;base64,") == 3 and "not measured" in page


def _screenshot(tmp_path: Path, html: str, name: str) -> Path:
    page, shot = tmp_path / f"{name}.html", tmp_path / f"{name}.png"
    page.write_text(html, encoding="utf-8")
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={tmp_path / f'profile-{name}'}",
        f"--screenshot={shot}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    assert shot.is_file(), (
        f"chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"
    )
    return shot


def _pixels(path: Path) -> np.ndarray:
    """The screenshot as a (height, width, 3) array of 0-255: read with PIL when installed,
    else with matplotlib's PNG reader."""
    try:
        from PIL import Image

        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"), dtype=np.int16)
    except ImportError:
        import matplotlib.image

        return (matplotlib.image.imread(path)[:, :, :3] * 255).astype(np.int16)


def _coloured_share(rows: np.ndarray, top: int) -> float:
    """The share of clearly coloured pixels (not white, grey or black) in one chart's area."""
    area = rows[top : top + CHART_H, CHART_LEFT : CHART_LEFT + CHART_W]
    spread = area.max(axis=2) - area.min(axis=2)
    return float((spread > 60).mean())


@pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"{CHROMIUM} is not installed (apt-get install chromium): the page is not opened in a browser",
)
def test_the_charts_render_in_headless_chromium(tmp_path: Path) -> None:
    html = render_page(_kpis(tmp_path))
    rows = _pixels(_screenshot(tmp_path, html, "report"))
    assert (rows.shape[1], rows.shape[0]) == WINDOW
    shares = {
        name: _coloured_share(rows, HEADER_PX + i * CHART_STEP) for i, name in enumerate(CHARTS)
    }
    assert all(share > 0.05 for share in shares.values()), shares
    assert (rows[:HEADER_PX].max(axis=2) < 100).any()  # the title's text is there

    broken = re.sub(r"base64,[A-Za-z0-9+/=]+", "base64,AAAA", html)
    rows = _pixels(_screenshot(tmp_path, broken, "broken"))
    blank = {n: _coloured_share(rows, HEADER_PX + i * CHART_STEP) for i, n in enumerate(CHARTS)}
    assert all(share < 0.01 for share in blank.values()), blank
