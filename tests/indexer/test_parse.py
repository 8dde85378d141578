"""Golden symbols, imports and references for one fixture file per language."""

from __future__ import annotations

from pathlib import Path

import pytest

from specpilot.indexer.errors import ParseError
from specpilot.indexer.parse import treesitter
from specpilot.indexer.parse.extract import parse_source
from specpilot.indexer.parse.languages import available, get_spec
from specpilot.indexer.source.filetypes import CODE_LANGUAGES
from specpilot.indexer.types import SYMBOL_KINDS, ParsedFile

FIXTURES = Path(__file__).parent.parent / "fixtures" / "langs"

FILES = {
    "python": "python/shapes.py",
    "javascript": "javascript/widgets.js",
    "typescript": "typescript/store.ts",
    "tsx": "tsx/Panel.tsx",
    "go": "go/server.go",
    "java": "java/com/example/Dog.java",
    "rust": "rust/geometry.rs",
}

# (qualified name, kind, start line, end line, parent, first line of the docstring)
GOLDEN: dict[str, list[tuple[str, str, int, int, str | None, str]]] = {
    "python": [
        ("UNIT", "constant", 9, 9, None, ""),
        ("Circle", "class", 12, 30, None, "A circle with a radius."),
        ("Circle.area", "method", 20, 23, "Circle", "The area of the circle."),
        ("Circle.scaled", "method", 25, 30, "Circle", ""),
        ("Circle.scaled.clamp", "function", 26, 27, "Circle.scaled", ""),
        ("describe", "function", 33, 35, None, ""),
    ],
    "javascript": [
        ("DEFAULT_SIZE", "constant", 5, 5, None, ""),
        ("Button", "class", 11, 23, None, "A button widget."),
        ("Button.constructor", "method", 12, 15, "Button", ""),
        ("Button.onClick", "method", 18, 22, "Button", "Handles a click."),
        ("Button.onClick.log", "function", 19, 19, "Button.onClick", ""),
        ("makeButton", "function", 26, 28, None, "Create a button."),
        ("toggle", "function", 30, 30, None, ""),
    ],
    "typescript": [
        ("Saveable", "interface", 6, 8, None, "Anything that can be saved."),
        ("Saveable.save", "method", 7, 7, "Saveable", ""),
        ("ItemId", "type", 10, 10, None, ""),
        ("Status", "enum", 12, 15, None, ""),
        ("Store", "class", 20, 34, None, "Keeps items in memory."),
        ("Store.add", "method", 25, 28, "Store", "Add an item."),
        ("Store.save", "method", 30, 33, "Store", ""),
        ("Store.save.flush", "function", 31, 31, "Store.save", ""),
        ("createStore", "function", 36, 38, None, ""),
    ],
    "tsx": [
        ("PanelProps", "interface", 5, 7, None, "Props of the panel."),
        ("Panel", "class", 10, 14, None, "A titled panel."),
        ("Panel.render", "method", 11, 13, "Panel", ""),
        ("SimplePanel", "function", 17, 20, None, "Functional variant."),
        ("SimplePanel.upper", "function", 18, 18, "SimplePanel", ""),
    ],
    "go": [
        ("DefaultPort", "constant", 10, 10, None, "DefaultPort is used when none is given."),
        ("Server", "struct", 14, 17, None, "Server handles requests."),
        ("Handler", "interface", 20, 22, None, "Handler handles one request."),
        ("Handler.Serve", "method", 21, 21, "Handler", ""),
        ("Port", "type", 24, 24, None, ""),
        ("Server.Start", "method", 27, 31, "Server", "Start listens on the port."),
        ("Server.listen", "method", 33, 33, "Server", ""),
        ("NewServer", "function", 36, 42, None, "NewServer creates a server."),
    ],
    "java": [
        ("Dog", "class", 11, 32, None, "A dog."),
        ("Dog.Dog", "method", 15, 17, "Dog", ""),
        ("Dog.bark", "method", 20, 25, "Dog", "Bark a number of times."),
        ("Dog.wag", "method", 27, 27, "Dog", ""),
        ("Dog.Trick", "interface", 29, 31, "Dog", ""),
        ("Dog.Trick.perform", "method", 30, 30, "Dog.Trick", ""),
    ],
    "rust": [
        ("MAX_SIZE", "constant", 8, 8, None, "Largest supported size."),
        ("Point", "struct", 11, 15, None, "A point in 2-D space."),
        ("Area", "trait", 18, 21, None, "Something with an area."),
        ("Area.area", "method", 20, 20, "Area", "The area."),
        ("Point", "impl", 23, 28, None, ""),
        ("Point.new", "method", 25, 27, "Point", "A new point."),
        ("Point", "impl", 30, 35, None, ""),
        ("Point.area", "method", 31, 34, "Point", ""),
        ("origin", "function", 37, 39, None, ""),
    ],
}

# qualified name → (signature, body_start_line)
SIGNATURES: dict[str, dict[str, tuple[str, int | None]]] = {
    "python": {
        "Circle": ("class Circle(BaseShape, abc.Hashable):", 13),
        "Circle.area": ("def area(self) -> float:", 22),
        "Circle.scaled": ('def scaled(self, factor: float) -> "Circle":', 26),
        "describe": ("def describe(shape, path):", 34),
        "UNIT": ("UNIT = 1.0", None),
    },
    "javascript": {
        "Button": ("export class Button extends Widget", 11),
        "Button.onClick.log": ("const log = (msg) =>", 19),
        "toggle": ("const toggle = async (state) =>", 30),
        "DEFAULT_SIZE": ("export const DEFAULT_SIZE = 10", None),
    },
    "typescript": {
        "Store": (
            "export class Store<T extends Item> extends BaseStore implements Saveable",
            21,
        ),
        "Saveable.save": ("save(): Promise<void>", None),
        "ItemId": ("export type ItemId = string | number", None),
    },
    "tsx": {"Panel": ("export class Panel extends React.Component<PanelProps>", 10)},
    "go": {
        "Server.Start": ("func (s *Server) Start() error", 27),
        "Server": ("type Server struct", 14),
        "Handler": ("type Handler interface", 20),
    },
    "java": {"Dog.bark": ("@Override public void bark(int times)", 21)},
    "rust": {
        "Point.new": ("pub fn new(x: f64, y: f64) -> Self", 25),
        "Area.area": ("fn area(&self) -> f64", None),
    },
}

IMPORTS: dict[str, list[tuple[str, str | None, str | None, int]]] = {
    "python": [
        ("math", None, None, 3),
        ("os.path", None, "osp", 4),
        ("collections", "abc", None, 5),
        (".base", "Shape", "BaseShape", 6),
        (".base", "registry", None, 6),
        ("..util", "*", None, 7),
    ],
    "javascript": [
        ("react", "default", "React", 1),
        ("react", "useState", "useLocalState", 1),
        ("./helpers.js", None, "helpers", 2),
        ("./format", "format", None, 3),
    ],
    "typescript": [
        ("@angular/core", "Injectable", None, 1),
        ("./models", "Item", None, 2),
        ("./api", None, "api", 3),
    ],
    "tsx": [("react", "default", "React", 1), ("./Header", "Header", None, 2)],
    "go": [("fmt", None, None, 5), ("github.com/sirupsen/logrus", None, "log", 6)],
    "java": [
        ("java.util", "List", None, 3),
        ("java.util.Objects", "requireNonNull", None, 4),
        ("com.example.util", "*", None, 5),
    ],
    "rust": [
        ("std::collections", "HashMap", None, 2),
        ("crate", "util", None, 3),
        ("crate::util", "clamp", "limit", 3),
        ("self::shapes", None, None, 5),
    ],
}

# references that must be present: (kind, qualifier, name, line, enclosing)
REFERENCES: dict[str, list[tuple[str, str | None, str, int, str | None]]] = {
    "python": [
        ("inherit", None, "BaseShape", 12, "Circle"),
        ("inherit", "abc", "Hashable", 12, "Circle"),
        ("call", None, "max", 27, "Circle.scaled.clamp"),
        ("call", "registry", "add", 29, "Circle.scaled"),
        ("call", None, "Circle", 30, "Circle.scaled"),
        ("call", "osp", "join", 35, "describe"),
    ],
    "javascript": [
        ("inherit", None, "Widget", 11, "Button"),
        ("call", None, "format", 19, "Button.onClick.log"),
        ("call", "this", "render", 21, "Button.onClick"),
        ("call", None, "Button", 27, "makeButton"),
        ("call", "helpers", "title", 27, "makeButton"),
    ],
    "typescript": [
        ("inherit", None, "Serializable", 6, "Saveable"),
        ("inherit", None, "BaseStore", 21, "Store"),
        ("inherit", None, "Saveable", 21, "Store"),
        ("call", "this.items", "set", 26, "Store.add"),
        ("call", "api", "put", 31, "Store.save.flush"),
        ("call", None, "Store", 37, "createStore"),
    ],
    "tsx": [
        ("inherit", "React", "Component", 10, "Panel"),
        ("call", None, "Header", 12, "Panel.render"),
        ("call", None, "upper", 19, "SimplePanel"),
    ],
    "go": [
        ("inherit", None, "Base", 15, "Server"),
        ("call", "s", "listen", 28, "Server.Start"),
        ("call", "fmt", "Sprintf", 29, "Server.Start"),
        ("call", None, "check", 38, "NewServer"),
    ],
    "java": [
        ("inherit", None, "Animal", 12, "Dog"),
        ("inherit", None, "Pet", 12, "Dog"),
        ("inherit", None, "Comparable", 12, "Dog"),
        ("call", None, "requireNonNull", 16, "Dog.Dog"),
        ("call", "this", "wag", 23, "Dog.bark"),
        ("call", None, "Bone", 24, "Dog.bark"),
    ],
    "rust": [
        ("inherit", None, "Area", 30, "Point"),
        ("call", None, "limit", 33, "Point.area"),
        ("call", "util", "norm", 33, "Point.area"),
        ("call", "Point", "new", 38, "origin"),
    ],
}

BROKEN_TAIL = {
    "python": b"\n\ndef broken(:\n    x = (\n",
    "javascript": b"\nfunction broken( {\n  const = ;\n",
    "typescript": b"\nexport function broken(a: : number {\n  let x = ;\n",
    "tsx": b"\nconst Broken = () => <div><span></div>;\nfunction (\n",
    "go": b"\nfunc broken( {\n\tx := \n",
    "java": b"\nclass Broken { void f( { int x = ; }\n",
    "rust": b"\nfn broken( -> {\n    let x = ;\n",
}


def _parse(language: str) -> ParsedFile:
    source = (FIXTURES / FILES[language]).read_bytes()
    return parse_source(FILES[language], source, language)


def test_every_code_language_has_a_fixture() -> None:
    assert set(FILES) == set(CODE_LANGUAGES) == set(available())


@pytest.mark.parametrize("language", sorted(FILES))
def test_golden_symbols(language: str) -> None:
    parsed = _parse(language)
    got = [
        (
            s.qualified_name,
            s.kind,
            s.start_line,
            s.end_line,
            s.parent,
            s.docstring.split("\n")[0],
        )
        for s in parsed.symbols
    ]
    assert got == GOLDEN[language]
    assert parsed.error_nodes == 0
    assert parsed.language == language and parsed.path == FILES[language]
    for symbol in parsed.symbols:
        assert symbol.kind in SYMBOL_KINDS
        assert symbol.name == symbol.qualified_name.rsplit(".", 1)[-1]
        assert len(symbol.signature) <= 301 and "\n" not in symbol.signature


@pytest.mark.parametrize("language", sorted(FILES))
def test_signatures_and_body_lines(language: str) -> None:
    symbols = {s.qualified_name: s for s in _parse(language).symbols}
    for qualified, (signature, body_start) in SIGNATURES[language].items():
        assert (symbols[qualified].signature, symbols[qualified].body_start_line) == (
            signature,
            body_start,
        ), qualified


@pytest.mark.parametrize("language", sorted(FILES))
def test_imports(language: str) -> None:
    got = [(i.module, i.name, i.alias, i.line) for i in _parse(language).imports]
    assert got == IMPORTS[language]


@pytest.mark.parametrize("language", sorted(FILES))
def test_references(language: str) -> None:
    refs = [(r.kind, r.qualifier, r.name, r.line, r.enclosing) for r in _parse(language).references]
    for expected in REFERENCES[language]:
        assert expected in refs
    assert [r[3] for r in refs] == sorted(r[3] for r in refs)


def test_docstrings_are_cleaned() -> None:
    docs = {s.qualified_name: s.docstring for s in _parse("python").symbols}
    assert docs["Circle"] == "A circle with a radius.\n\nRegistered in the shape registry."
    assert docs["describe"] == ""  # a comment inside the body is not a docstring
    js = {s.qualified_name: s.docstring for s in _parse("javascript").symbols}
    assert js["Button"] == "A button widget.\nRenders a clickable element."
    go = {s.qualified_name: s.docstring for s in _parse("go").symbols}
    assert go["Server"] == "Server handles requests.\nIt embeds a Base."


@pytest.mark.parametrize("language", sorted(FILES))
def test_broken_source_keeps_intact_symbols(language: str) -> None:
    source = (FIXTURES / FILES[language]).read_bytes() + BROKEN_TAIL[language]
    parsed = parse_source(FILES[language], source, language)
    assert parsed.error_nodes > 0
    names = {s.qualified_name for s in parsed.symbols}
    intact = {g[0] for g in GOLDEN[language][:3]}
    assert intact <= names


def test_broken_python_in_the_middle() -> None:
    source = b"class A:\n    def ok(self):\n        return 1\n\n    def bad(self:\n\n"
    source += b"def after():\n    return A().ok()\n"
    parsed = parse_source("m.py", source, "python")
    assert parsed.error_nodes > 0
    assert tuple(s.qualified_name for s in parsed.symbols[:2]) == ("A", "A.ok")


@pytest.mark.parametrize("source", [b"", b"\xff\xfe\x00garbage\x80", b"(((((", b"\n" * 50])
@pytest.mark.parametrize("language", sorted(FILES))
def test_junk_never_raises(language: str, source: bytes) -> None:
    parsed = parse_source("junk", source, language)
    assert isinstance(parsed, ParsedFile)


def test_unknown_language_names_the_available_ones() -> None:
    with pytest.raises(ParseError, match=r"unknown language 'cobol'; available: go, java, "):
        parse_source("x.cbl", b"", "cobol")
    with pytest.raises(ParseError):
        get_spec("")


def test_missing_query_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no query file"):
        treesitter.load_query("python", "no-such-purpose")
