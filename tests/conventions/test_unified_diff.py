"""The conventions package's own unified-diff reader."""

from __future__ import annotations

import pytest

from conventions import DiffParseError
from conventions.check import apply_hunks
from conventions.diffparse import parse_diff

GIT_DIFF = """\
diff --git a/pkg/mod.py b/pkg/mod.py
index 1111111..2222222 100644
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -1,4 +1,5 @@
 import os
-import sys
+import re
+import json

 def f():
@@ -10,2 +11,3 @@ def g():
     a = 1
+    b = 2
     return a
diff --git a/new.py b/new.py
new file mode 100644
--- /dev/null
+++ b/new.py
@@ -0,0 +1,2 @@
+x = 1
+y = 2
\\ No newline at end of file
diff --git a/old.py b/old.py
deleted file mode 100644
--- a/old.py
+++ /dev/null
@@ -1 +0,0 @@
-z = 3
diff --git a/a.py b/b.py
similarity index 90%
rename from a.py
rename to b.py
diff --git a/img.png b/img.png
Binary files a/img.png and b/img.png differ
"""


def test_git_diff_files_and_lines() -> None:
    files = parse_diff(GIT_DIFF)
    assert [(f.old_path, f.new_path) for f in files] == [
        ("pkg/mod.py", "pkg/mod.py"),
        (None, "new.py"),
        ("old.py", None),
        ("a.py", "b.py"),
        ("img.png", "img.png"),
    ]
    mod, new, old, renamed, image = files
    assert mod.added_lines() == {2, 3, 12}
    assert mod.side("new")[12] == "    b = 2"
    assert mod.side("old") == {
        1: "import os",
        2: "import sys",
        3: "",
        4: "def f():",
        10: "    a = 1",
        11: "    return a",
    }
    assert new.is_new and new.added_lines() == {1, 2} and new.path == "new.py"
    assert old.is_deleted and old.added_lines() == set()
    assert renamed.hunks == [] and renamed.path == "b.py"
    assert image.binary


def test_plain_diff_u() -> None:
    text = "--- a.py\t2024-01-01 00:00:00\n+++ a.py\t2024-01-02 00:00:00\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"
    (only,) = parse_diff(text)
    assert only.path == "a.py" and only.added_lines() == {1}


def test_removed_lines_that_look_like_headers() -> None:
    text = "--- a/x.sql\n+++ b/x.sql\n@@ -1,2 +1,1 @@\n--- a comment\n keep\n"
    (only,) = parse_diff(text)
    assert only.hunks[0].lines == (("-", "-- a comment"), (" ", "keep"))


def test_apply_hunks_reconstructs_the_new_text() -> None:
    (mod, *_) = parse_diff(GIT_DIFF)
    old = "import os\nimport sys\n\ndef f():\n    pass\n\n\n\n\n    a = 1\n    return a\n"
    new = apply_hunks(old, mod.hunks)
    assert new.splitlines()[:4] == ["import os", "import re", "import json", ""]
    assert new.splitlines()[10:13] == ["    a = 1", "    b = 2", "    return a"]


def test_empty_diff_has_no_files() -> None:
    assert parse_diff("") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("just some text\n", "no file headers"),
        ("@@ -1 +1 @@\n-a\n+b\n", "line 1 starts a hunk before any file header"),
        ("--- a/x\n+++ b/x\n@@ -1,x +1 @@\n", "line 3 is not a valid hunk header"),
        ("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n", "ends early"),
        ("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n?b\n", "line 5 inside a hunk starts with '?'"),
    ],
)
def test_malformed_diffs(text: str, message: str) -> None:
    with pytest.raises(DiffParseError, match=message):
        parse_diff(text)
