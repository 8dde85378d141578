"""Make a small git repository whose history ``specpilot eval`` can replay with a real model.

    python bench/eval_repo.py /tmp/eval-repo
    ANTHROPIC_BASE_URL=http://127.0.0.1:18080 ANTHROPIC_API_KEY=local SPECPILOT_MODEL=local-qwen \\
      specpilot eval --repo /tmp/eval-repo --commits 4 --json --set index.embed.model='hash' ...

A base commit (a tiny ``textkit`` package with tests), then four commits that each change the
code and add the test that checks it — the shape of a team's own small features and fixes. The
commit messages are the specs; the tests they add are held back from the agent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BASE = {
    "textkit/__init__.py": "",
    "textkit/words.py": (
        '"""Word helpers."""\n\n\ndef count_words(text):\n    return len(text.split())\n'
    ),
    "textkit/numbers.py": '"""Number helpers."""\n\n\ndef add(a, b):\n    return a + b\n',
    "tests/test_words.py": (
        "from textkit.words import count_words\n\n\n"
        "def test_count_words():\n    assert count_words('a b c') == 3\n"
    ),
    "tests/test_numbers.py": (
        "from textkit.numbers import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    ),
    "README.md": "# textkit\n\nSmall text and number helpers.\n",
}

COMMITS = [
    (
        "Add mul to textkit.numbers\n\n`mul(a, b)` returns the product of two numbers.",
        {
            "textkit/numbers.py": "\n\ndef mul(a, b):\n    return a * b\n",
            "tests/test_numbers.py": (
                "\n\ndef test_mul():\n    from textkit.numbers import mul\n\n"
                "    assert mul(4, 5) == 20\n"
            ),
        },
    ),
    (
        "Add clamp to textkit.numbers\n\n`clamp(x, low, high)` returns x limited to the range "
        "[low, high].",
        {
            "textkit/numbers.py": (
                "\n\ndef clamp(x, low, high):\n    return max(low, min(x, high))\n"
            ),
            "tests/test_numbers.py": (
                "\n\ndef test_clamp():\n    from textkit.numbers import clamp\n\n"
                "    assert clamp(5, 0, 3) == 3 and clamp(-1, 0, 3) == 0 and clamp(2, 0, 3) == 2\n"
            ),
        },
    ),
    (
        "Add shout to textkit.words\n\n`shout(text)` returns the text in upper case followed by "
        "an exclamation mark.",
        {
            "textkit/words.py": '\n\ndef shout(text):\n    return text.upper() + "!"\n',
            "tests/test_words.py": (
                "\n\ndef test_shout():\n    from textkit.words import shout\n\n"
                "    assert shout('hi') == 'HI!'\n"
            ),
        },
    ),
    (
        "count_words ignores punctuation-only tokens\n\n`count_words('a - b')` must be 2: "
        "tokens without a letter or digit are not words.",
        {
            "textkit/words.py": None,  # replaced below
            "tests/test_words.py": (
                "\n\ndef test_count_words_ignores_punctuation():\n"
                "    assert count_words('a - b') == 2\n"
            ),
        },
    ),
]

WORDS_FIXED = (
    '"""Word helpers."""\n\n\ndef count_words(text):\n'
    "    return sum(1 for t in text.split() if any(c.isalnum() for c in t))\n"
)


def git(repo: Path, *args: str) -> None:
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run(
        ["git", "-c", "user.name=dev", "-c", "user.email=dev@localhost",
         "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=repo, check=True, capture_output=True, env=env,
    )  # fmt: skip


def main(target: str) -> None:
    repo = Path(target)
    if repo.exists() and any(repo.iterdir()):
        sys.exit(f"{repo} exists and is not empty; give a new directory.")
    repo.mkdir(parents=True, exist_ok=True)
    for rel, text in BASE.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "textkit: words and numbers")
    for message, files in COMMITS:
        for rel, addition in files.items():
            path = repo / rel
            if addition is None:
                tail = path.read_text().split("\n\n\ndef ", 2)
                rest = "" if len(tail) < 3 else "\n\n\ndef " + tail[2]
                path.write_text(WORDS_FIXED + rest)
            else:
                path.write_text(path.read_text() + addition)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", message)
    print(f"{repo}: 1 base commit + {len(COMMITS)} commits that change code and add a test")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/eval-repo")
