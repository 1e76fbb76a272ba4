"""Packages of the real-world corpus built as books of their own (the default tagged PDF and the EPUB, each
package's own folder tree, so its links between files resolve), and the whole corpus through `check` in strict
mode. Same standards as tests/test_corpus.py (the other documents as one book); shared code in tests/corpus_books.py.
"""
from __future__ import annotations

import pytest

from corpus_books import GROUPS, LENIENT, WHERE, WHOLE_EDITIONS, build_and_check, make_project, manifest, run_cli
# the checks every corpus book must pass, run here against this file's `books`
from corpus_books import (test_every_build_exits_0_without_internal_error, test_every_epub_passes_epubcheck,
                          test_every_pdf_passes_qpdf_check, test_no_text_lost_in_the_epub, test_no_text_lost_in_the_pdf)  # noqa: F401

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """Each group as a book: (builds, {name: EPUBCheck report})."""
    documents = manifest()
    books = []
    for name, folders in GROUPS.items():
        group = [d for d in documents if d.folder in folders]
        assert group, f"group {name}: no document of {folders} in the manifest"
        books.append((name, group, LENIENT, True))
    builds, failures = build_and_check(tmp_path_factory.mktemp("corpus-groups"), books)
    print("\ncorpus groups: " + ", ".join(f"{b.name} {b.seconds:.1f} s ({b.seconds / len(b.documents):.2f} s a document)"
                                          for b in builds))
    return builds, failures


# --- strict mode -------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_strict_check_lists_every_problem_with_path_and_line(tmp_path):
    documents = manifest()
    root = tmp_path / "strict"
    root.mkdir()
    make_project(root, documents, WHOLE_EDITIONS, tree=False)
    code, out, err, _ = run_cli(["check", "--project", str(root)])
    lines = err.splitlines()
    assert code == 1 and lines, "the corpus has broken links and raw HTML: strict mode must find problems"
    assert "internal error" not in out + err
    shapeless = [line for line in lines if not WHERE.match(line)]
    assert not shapeless, f"{len(shapeless)} of {len(lines)} lines are not 'path:line: message':\n" + "\n".join(shapeless[:40])
    named = {WHERE.match(line)["path"] for line in lines}
    assert named <= {f"chapters/{d.flat_name}" for d in documents}, named
