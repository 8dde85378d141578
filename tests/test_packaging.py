"""What the wheel installs: one import package, ``specpilot``, whose sub-packages are the root
folders (the ``specpilot/<name>`` symlinks are followed, so the wheel holds real files)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("indexer", "retrieval", "pipeline", "flows", "conventions")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    (path,) = out.glob("specpilot-*.whl")
    return zipfile.ZipFile(path)


@pytest.mark.slow
def test_the_wheel_installs_one_top_level_package(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/")[0] for name in wheel.namelist()}
    dist_info = {t for t in tops if t.endswith(".dist-info")}
    assert len(dist_info) == 1
    assert tops - dist_info == {"specpilot"}


@pytest.mark.slow
def test_the_wheel_holds_every_module_and_query_of_the_root_folders(
    wheel: zipfile.ZipFile,
) -> None:
    names = set(wheel.namelist())
    expected = {
        f"specpilot/{p.relative_to(ROOT).as_posix()}"
        for folder in FOLDERS
        for p in (ROOT / folder).rglob("*")
        if p.suffix in {".py", ".scm"} and "__pycache__" not in p.parts
    }
    assert expected and expected <= names
    assert "specpilot/__main__.py" in names and "specpilot/py.typed" in names
    popular = {f"specpilot/pipeline/tiers/popular/{e}.txt" for e in ("pypi", "npm", "crates", "go")}
    assert popular <= names  # the supply-chain guard's typosquat lists
    entry = wheel.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "specpilot = specpilot.flows.cli:main" in entry


def test_the_source_tree_links_each_folder_into_the_namespace() -> None:
    for folder in FOLDERS:
        link = ROOT / "specpilot" / folder
        assert link.is_symlink() and link.readlink() == Path("..") / folder


def test_python_dash_m_specpilot_prints_the_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "specpilot", "--version"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("specpilot ") and done.stdout.split()[1][0].isdigit()
