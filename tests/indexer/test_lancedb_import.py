"""``import_lancedb`` defers the REST namespace client's package ``__init__``, nothing else."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout


def test_an_embedded_index_works_without_the_rest_client(tmp_path: Path) -> None:
    out = _run(
        f"""
        import sys
        import pyarrow as pa
        from specpilot.indexer.store.lancedb_import import import_lancedb

        lancedb = import_lancedb()
        db = lancedb.connect({str(tmp_path / "db")!r})
        db.create_table("t", pa.table({{"x": [1, 2, 3]}}))
        print(db.open_table("t").count_rows())
        print("lance_namespace_urllib3_client.api" in sys.modules)
        """
    )
    assert out.split() == ["3", "False"]


def test_the_deferred_package_loads_on_first_use() -> None:
    out = _run(
        """
        import sys
        from specpilot.indexer.store.lancedb_import import import_lancedb

        import_lancedb()
        client = sys.modules["lance_namespace_urllib3_client"]
        print(client.ApiClient.__name__)  # a name of the package itself: the real __init__ runs
        print("lance_namespace_urllib3_client.api" in sys.modules)
        from lance_namespace_urllib3_client import Configuration
        print(Configuration.__name__)
        """
    )
    assert out.split() == ["ApiClient", "True", "Configuration"]


def test_an_already_imported_lancedb_is_left_alone() -> None:
    out = _run(
        """
        import sys
        import lancedb
        from specpilot.indexer.store.lancedb_import import import_lancedb

        print(import_lancedb() is lancedb)
        print("lance_namespace_urllib3_client.api" in sys.modules)
        """
    )
    assert out.split() == ["True", "True"]
