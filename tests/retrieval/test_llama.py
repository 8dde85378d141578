"""The llama-index retriever inside a llama-index query engine, with a mock LLM."""

from __future__ import annotations

import pytest
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import QueryBundle

from specpilot.retrieval.errors import QueryError
from specpilot.retrieval.llama import SpecpilotRetriever
from specpilot.retrieval.search import Searcher


def test_symbol_nodes(searcher: Searcher) -> None:
    nodes = SpecpilotRetriever(searcher, top_k=3).retrieve("where is apply_discount computed")
    assert len(nodes) == 3
    top = nodes[0]
    assert top.node.node_id == "shop/pricing.py::apply_discount"
    assert top.node.metadata["path"] == "shop/pricing.py"
    assert top.node.metadata["start_line"] == 4
    assert top.node.get_content().startswith("def apply_discount(amount, code):")
    assert top.score is not None and top.score >= nodes[-1].score  # type: ignore[operator]


def test_file_nodes(searcher: Searcher) -> None:
    nodes = SpecpilotRetriever(searcher, top_k=2, mode="files").retrieve(
        QueryBundle("shipping cost by country")
    )
    assert nodes[0].node.metadata["kind"] == "file"
    assert nodes[0].node.node_id == nodes[0].node.metadata["path"]


def test_inside_a_query_engine_with_a_mock_llm(searcher: Searcher) -> None:
    engine = RetrieverQueryEngine.from_args(
        SpecpilotRetriever(searcher, top_k=2), llm=MockLLM(max_tokens=8)
    )
    response = engine.query("how is the cart total rounded?")
    assert [n.node.metadata["path"] for n in response.source_nodes]
    assert all(n.node.metadata["symbol"] for n in response.source_nodes)
    assert isinstance(str(response), str)


def test_bad_arguments(searcher: Searcher) -> None:
    with pytest.raises(QueryError, match="unknown retriever mode"):
        SpecpilotRetriever(searcher, mode="chunks")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="top_k must be at least 1"):
        SpecpilotRetriever(searcher, top_k=0)
