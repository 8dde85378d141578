"""Names a language's tools dictate conform to the repo's naming style: Go's
TestX_y/ExampleT_M/BenchmarkX_y, React components in .tsx files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from specpilot.conventions import check_diff, profile_for_repo
from tests.conventions.test_check_diff import new_file

MakeRepo = Callable[..., Path]

GO_CODE = """package cache

// Client caches responses.
type Client struct{}

// Do sends a request.
func (c *Client) Do() error { return nil }

// NewClient makes a client.
func NewClient() *Client { return &Client{} }

func maxAge() int { return 60 }
"""

GO_TESTS = """package cache

import "testing"

func TestNoCache_SetsHeaders(t *testing.T) {}

func TestClient_Do_retries(t *testing.T) {}

func BenchmarkClient_Do(b *testing.B) {}

func ExampleClient_Do() {}

func Example_second() {}

func FuzzParse_header(f *testing.F) {}
"""


def _go_repo(make_repo: MakeRepo) -> Path:
    files: dict[str, str | bytes] = {"go.mod": "module example.com/cache\n\ngo 1.22\n"}
    for i in range(3):
        files[f"pkg{i}/cache.go"] = GO_CODE.replace("package cache", f"package pkg{i}")
        files[f"pkg{i}/cache_test.go"] = GO_TESTS.replace("package cache", f"package pkg{i}")
    return make_repo(files)


def test_go_test_and_example_names_conform_to_mixed_caps(make_repo: MakeRepo) -> None:
    root = _go_repo(make_repo)
    profile = profile_for_repo(root)
    naming = profile.get("go.naming.function")
    assert naming is not None
    assert naming.value == "MixedCaps"
    assert naming.numerator == naming.denominator == 24, naming.variants
    assert "mixed" not in naming.variants
    assert naming.strong
    added = GO_TESTS.replace("package cache", "package pkg0").replace("NoCache", "Expiry")
    assert check_diff(profile, new_file("pkg0/expiry_test.go", added), root) == []
    # outside _test.go files an underscore name is no idiom
    bad = "package pkg0\n\nfunc max_age() int { return 1 }\n"
    found = check_diff(profile, new_file("pkg0/age.go", bad), root)
    assert [(v.line, v.rule) for v in found] == [(3, "go.naming.function")]


def test_react_components_conform_to_camel_case(make_repo: MakeRepo) -> None:
    component = (
        "export function {name}Card() {{\n  return <div>{name}</div>\n}}\n\n"
        "export function format{name}(value: string) {{\n  return value\n}}\n\n"
        "export function parse{name}(value: string) {{\n  return value\n}}\n"
    )
    names = ("User", "Order", "Invoice", "Product")
    files: dict[str, str | bytes] = {
        f"src/{n.lower()}.tsx": component.format(name=n) for n in names
    }
    root = make_repo(files)
    naming = profile_for_repo(root).get("javascript.naming.function")
    assert naming is not None
    assert naming.value == "camelCase" and naming.strong
    assert naming.numerator == naming.denominator == 12
