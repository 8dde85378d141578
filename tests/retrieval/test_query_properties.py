"""Property tests of the query analyser: any text a user or an issue tracker sends (unicode,
version strings such as py2.7, stack-trace shapes, very long text) is analysed without an
exception, what it finds is taken from the text, and a search over an index answers it or
names the bad query (``QueryError``)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specpilot.retrieval import QueryError, Searcher
from specpilot.retrieval.query import analyse
from specpilot.retrieval.versions import mentioned_versions

# fragments real requests are made of, so the search reaches the patterns' corners
FRAGMENTS = st.sampled_from(
    [
        "py2.7", "py3", "Python 3.13+", "Node 20", "go1.22", "JDK 17", "rust 1.70",
        'File "/x/site-packages/pkg/mod.py", line 3, in f', "at f (src/a.js:3:1)",
        "main.main()\n\t/root/go/pkg/mod/x.com/r/v5@v5.1.0/mux.go:9 +0x1d", "src/a.rs:4:5",
        "go.mod", "Makefile", ".github/workflows/ci.yml", "`charset`", "'a b c'",
        "ValueError: bad value here", "Session.get_adapter", "werkzeug.routing", "(*Mux).Serve",
        "\x00", "日本語", " ", "\n", "\t", ".", "/", "@", ":", "(", ")",
    ]
)  # fmt: skip
TEXT = st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=30).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_any_text_is_analysed(text: str) -> None:
    q = analyse(text)
    assert all(p and p in text for p in q.paths)
    assert all(isinstance(line, int) and line >= 0 for _, line, _ in q.frames)
    assert all(i in text or i.replace(".", " ") for i in q.identifiers)
    assert len(set(q.versions)) == len(q.versions)


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_versions_are_found_in_order_without_a_crash(text: str) -> None:
    versions = mentioned_versions(text)
    assert all(major >= 0 and (minor is None or minor >= 0) for _, major, minor in versions)


# very long texts: a pasted log or a whole issue thread, up to ~100 KB
LONG = st.lists(FRAGMENTS, min_size=200, max_size=3000).map(" ".join)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LONG)
def test_very_long_text_is_analysed(text: str) -> None:
    q = analyse(text)
    assert all(p in text for p in q.paths)
    mentioned_versions(text)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.one_of(TEXT, LONG))
def test_search_answers_any_text_or_names_the_bad_query(searcher: Searcher, text: str) -> None:
    try:
        hits = searcher.search(text, 5)
        files = searcher.search_files(text, 5)
    except QueryError as exc:  # an empty or unusable query: a message, never a crash
        assert str(exc)
        return
    assert len(hits) <= 5 and len(files) <= 5
    assert all(isinstance(h.path, str) and h.path for h in [*hits, *files])
