"""The real-world corpus (tests/corpus/, 175 documents nobody here wrote), each document laid out once: the
packages of tests/test_corpus_groups.py in books of their own there, the other 135 documents here as one book, in
lenient mode: an untagged PDF, which the parts engine lays out, and an EPUB. Nothing may end in an internal error,
the EPUB passes EPUBCheck and the PDF `qpdf --check`, and at least 99 % of the words of each document reach the
PDF and the EPUB. The shared code is tests/corpus_books.py.
"""
from __future__ import annotations

import csv
import re

import pytest

from corpus_books import (CORPUS, GROUPS, LENIENT, PERMISSIVE, WHOLE_EDITIONS, build_and_check, manifest,
                          warned_documents)
# the checks every corpus book must pass, run here against this file's `books`
from corpus_books import (test_every_build_exits_0_without_internal_error, test_every_epub_passes_epubcheck,
                          test_every_pdf_passes_qpdf_check, test_no_text_lost_in_the_epub, test_no_text_lost_in_the_pdf)  # noqa: F401

pytestmark = pytest.mark.corpus


def test_manifest_records_every_document_and_its_licence():
    documents = manifest()
    rows = list(csv.reader(open(CORPUS / "MANIFEST.tsv", encoding="utf-8", newline=""), delimiter="\t"))
    assert rows[0] == ["file", "package", "registry", "version", "path_in_package", "licence", "licence_file"]
    assert all(len(row) == 7 and all(row) for row in rows), "every manifest row has all seven columns"
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.md")}
    assert on_disk == {d.file for d in documents}, "documents on disk and in MANIFEST.tsv differ"
    assert len(documents) >= 150
    for document in documents:
        for licence in re.split(r" (?:OR|AND) ", document.licence):
            assert licence in PERMISSIVE, f"{document.file}: licence {document.licence}"
        assert (CORPUS / document.folder / "LICENSE").is_file(), f"{document.folder}/LICENSE is missing"


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """The documents no group holds as one book: ([build], {name: EPUBCheck report})."""
    grouped = {folder for folders in GROUPS.values() for folder in folders}
    documents = [d for d in manifest() if d.folder not in grouped]
    builds, failures = build_and_check(tmp_path_factory.mktemp("corpus"),
                                       [("rest", documents, LENIENT + WHOLE_EDITIONS, False)])
    book = builds[0]
    print(f"\ncorpus: {len(documents)} documents; {len(warned_documents(book))} needed warnings "
          f"({sum(1 for line in book.err.splitlines() if ': warning: ' in line)} warnings); book {book.seconds:.1f} s")
    return builds, failures
