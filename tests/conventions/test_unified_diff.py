"""Reading a unified diff for the conventions check (``indexer.source.diffs`` through ``read_diff``)."""

from __future__ import annotations

import pytest

from specpilot.conventions import DiffParseError
from specpilot.conventions.check import apply_hunks, read_diff
from specpilot.indexer.source.diffs import FileDiff

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


def added(diff: FileDiff) -> set[int]:
    return {line.number for line in diff.added_lines}


def test_git_diff_files_and_lines() -> None:
    files = read_diff(GIT_DIFF).files
    assert [(f.old_path, None if f.is_deleted else f.path) for f in files] == [
        ("pkg/mod.py", "pkg/mod.py"),
        (None, "new.py"),
        ("old.py", None),
        ("a.py", "b.py"),
        ("img.png", "img.png"),
    ]
    mod, new, old, renamed, image = files
    assert added(mod) == {2, 3, 12}
    assert mod.side("new")[12] == "    b = 2"
    assert mod.side("old") == {
        1: "import os",
        2: "import sys",
        3: "",
        4: "def f():",
        10: "    a = 1",
        11: "    return a",
    }
    assert new.is_new and added(new) == {1, 2} and new.path == "new.py"
    assert old.is_deleted and added(old) == set()
    assert renamed.hunks == () and renamed.path == "b.py"
    assert image.binary


def test_plain_diff_u() -> None:
    text = "--- a.py\t2024-01-01 00:00:00\n+++ a.py\t2024-01-02 00:00:00\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"
    (only,) = read_diff(text).files
    assert only.path == "a.py" and added(only) == {1}


def test_removed_lines_that_look_like_headers() -> None:
    text = "--- a/x.sql\n+++ b/x.sql\n@@ -1,2 +1,1 @@\n--- a comment\n keep\n"
    (only,) = read_diff(text).files
    assert only.hunks[0].lines == (("-", "-- a comment"), (" ", "keep"))


def test_apply_hunks_reconstructs_the_new_text() -> None:
    (mod, *_) = read_diff(GIT_DIFF).files
    old = "import os\nimport sys\n\ndef f():\n    pass\n\n\n\n\n    a = 1\n    return a\n"
    new = apply_hunks(old, mod.hunks)
    assert new.splitlines()[:4] == ["import os", "import re", "import json", ""]
    assert new.splitlines()[10:13] == ["    a = 1", "    b = 2", "    return a"]


def test_empty_diff_has_no_files() -> None:
    assert read_diff("").files == ()


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
        read_diff(text)
