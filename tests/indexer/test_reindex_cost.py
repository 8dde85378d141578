"""A re-index embeds the chunks whose text changed, not every chunk of a changed file (issue 20):
the vector cache is keyed by chunk text, so an edit that only moves line numbers costs nothing."""

from __future__ import annotations

from pathlib import Path

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.indexer.testing import RecordingEmbedder

CFG = IndexerConfig(embed=EmbedConfig(model="hash"))
FUNCS = "".join(
    f"def step_{i}(x):\n"
    + "".join(f"    v{j} = x * {i} + {j}\n" for j in range(15))
    + "    return v0\n\n\n"
    for i in range(10)
)


def test_an_edit_that_moves_every_line_re_embeds_only_the_chunks_it_changed(
    make_repo, tmp_path: Path
) -> None:
    repo = make_repo({"pipeline.py": '"""Steps."""\n\n' + FUNCS})
    db = str(tmp_path / "db")
    cold = index_repo(repo, db=db, config=CFG)
    assert cold.chunks == cold.chunks_embedded == 11  # the module head + ten functions

    # two imports at the top: every function's lines move, no function's text changes
    (repo / "pipeline.py").write_text('"""Steps."""\n\nimport os\nimport sys\n\n' + FUNCS)
    emb = RecordingEmbedder()
    shifted = index_repo(repo, db=db, config=CFG, embedder=emb)
    assert (shifted.chunks, shifted.chunks_embedded, shifted.chunks_cached) == (11, 1, 10)
    assert len(emb.texts) == 1 and "import os" in emb.texts[0]

    # one line of one function body: that function alone
    edited = FUNCS.replace("v3 = x * 4 + 3\n", "v3 = x * 4 + 33\n")
    (repo / "pipeline.py").write_text('"""Steps."""\n\nimport os\nimport sys\n\n' + edited)
    emb = RecordingEmbedder()
    again = index_repo(repo, db=db, config=CFG, embedder=emb)
    assert (again.chunks_embedded, again.chunks_cached) == (1, 10)
    assert len(emb.texts) == 1 and "def step_4" in emb.texts[0]
