"""Conventions are measured from the code a contributor touches: not docs/conf.py, examples or
build scripts, and for module constants only real constants (not loggers, aliases or private
globals)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from specpilot.conventions import ConventionsConfig, check_diff_report, profile_for_repo
from tests.conventions.test_check_diff import new_file

MakeRepo = Callable[..., Path]

# a Sphinx conf.py: a page of lowercase module globals
SPHINX_CONF = """\
project = "cachekit"
copyright = "2024, the cachekit authors"
author = "the cachekit authors"
release = "1.0"
version = "1.0"
master_doc = "index"
source_suffix = ".rst"
language = "en"
pygments_style = "sphinx"
html_theme = "furo"
html_title = "cachekit"
html_static_path = ["_static"]
templates_path = ["_templates"]
exclude_patterns = ["_build"]
htmlhelp_basename = "cachekitdoc"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.intersphinx"]
intersphinx_mapping = {"python": ("https://docs.python.org/3", None)}
"""


def _module(name: str, constant: str, value: int) -> str:
    # module globals that are not constants: a logger, a private cache, an alias
    return (
        "import logging\n\n"
        f"{constant} = {value}\n"
        "log = logging.getLogger(__name__)\n"
        "_cache = {}\n\n\n"
        f"def {name}(key):\n    return _cache.get(key, {constant})\n\n\n"
        f"get_{name} = {name}\n"
    )


def cachekit_files() -> dict[str, str | bytes]:
    """Two product modules with UPPER_CASE constants beside docs/conf.py, an example and a
    setup.py full of lowercase module globals (also used by tests/flows)."""
    files: dict[str, str | bytes] = {
        "docs/conf.py": SPHINX_CONF,
        "examples/demo_app.py": "app_name = 'demo'\nport_number = 8000\nhost_name = 'localhost'\n",
        "setup.py": "package_name = 'cachekit'\nlong_description = open('README').read()\n",
    }
    for i, constant in enumerate(("DEFAULT_MAX_AGE", "MAX_ENTRIES")):
        files[f"cachekit/part{i}.py"] = _module(f"lookup{i}", constant, 3600 + i)
    return files


def _repo(make_repo: MakeRepo) -> Path:
    return make_repo(cachekit_files())


def test_docs_examples_and_module_variables_state_no_constant_rule(make_repo: MakeRepo) -> None:
    root = _repo(make_repo)
    profile = profile_for_repo(root)
    assert profile.files == {"python": 2}  # cachekit/ only
    constant = profile.get("python.naming.constant")
    assert constant is not None
    # the two literal constants are all that is counted, and they are UPPER_CASE
    assert constant.variants == {"UPPER_CASE": 2}
    assert not constant.strong  # two observations make no rule
    diff = new_file("cachekit/timeouts.py", "DEFAULT_TIMEOUT = 30\nRETRIES = 3\n")
    report = check_diff_report(profile, diff, root)
    assert report.violations == () and report.files_checked == 1


def test_check_skips_files_outside_the_measured_code(make_repo: MakeRepo) -> None:
    root = _repo(make_repo)
    profile = profile_for_repo(root)
    diff = new_file("docs/extra_conf.py", "def someHelper():\n    return 1\n")
    report = check_diff_report(profile, diff, root)
    assert report.violations == () and report.files_checked == 0
    assert "outside the measured code" in report.skipped["docs/extra_conf.py"]


def test_the_excluded_directories_are_configurable(make_repo: MakeRepo) -> None:
    root = _repo(make_repo)
    wide = profile_for_repo(root, ConventionsConfig(exclude_dirs=(), exclude_files=()))
    assert wide.files == {"python": 5}
    assert wide.exclude_dirs == []
    # measured with docs/conf.py, that page of lowercase globals is all they see
    constant = wide.get("python.naming.constant")
    assert constant is not None and constant.value == "snake_case"


def test_only_literal_public_single_assignments_are_constants(make_repo: MakeRepo) -> None:
    text = (
        "import logging\nimport re\n\n"
        "MAX_SIZE = 10\nNAME_LIST = ('a', 'b')\nTABLE_MAP = {'a': 1, 'b': [2, 3]}\nFLAG_SET = frozenset({1, 2})\n"
        "NEGATIVE_ONE = -1\nGREETING_TEXT = 'hello' ' world'\n"
        "logger = logging.getLogger(__name__)\npattern = re.compile('x')\n_private = 1\n"
        "counter = 0\ncounter += 1\nstate = 'idle'\nplaceholder = None\n\n\n"
        "def set_state(value):\n    global state\n    state = value\n"
    )
    root = make_repo({"pkg/mod.py": text})
    constant = profile_for_repo(root).get("python.naming.constant")
    assert constant is not None
    assert constant.variants == {"UPPER_CASE": 6}, constant.variants


def test_javascript_constants_are_const_literals(make_repo: MakeRepo) -> None:
    text = (
        "import express from 'express'\n\n"
        "export const MAX_RETRIES = 3\nconst BASE_URL = 'https://example.com'\n"
        "const USER_ROLES = ['admin', 'user'] as const\n"
        "const router = express.Router()\nconst logger = console\nlet counter = 0\n"
        "const _hidden = 1\nconst label = `total ${counter}`\n"
    )
    root = make_repo({"src/app.ts": text})
    constant = profile_for_repo(root).get("javascript.naming.constant")
    assert constant is not None
    assert constant.variants == {"UPPER_CASE": 3}, constant.variants
