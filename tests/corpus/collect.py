"""Remake tests/corpus/ from the registries: pinned packages → their Markdown, their licence, MANIFEST.tsv.

Run from the repository root with the network (npm and pip on PATH):

    python tests/corpus/collect.py [--cache DIR]

The tests never run this; it records how the corpus was made, and re-running it gives the same files.
Every document is copied byte for byte as the package ships it (CRLF and all); only documents above
MAX_BYTES are left out, to keep the corpus test fast. A package whose declared licence is not on
PERMISSIVE, or whose own licence file is missing or does not read like that licence, stops the run.
"""
from __future__ import annotations

import argparse
import email.parser
import fnmatch
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent
MAX_BYTES = 16 * 1024  # the test lays the corpus out in about 300 pages; the page budget goes further on variety
MANIFEST_COLUMNS = ("file", "package", "registry", "version", "path_in_package", "licence", "licence_file")
PERMISSIVE = {"MIT", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Apache-2.0", "PSF-2.0", "CC0-1.0", "Unlicense"}
# A sentence each licence's text contains: the declared licence is checked against the shipped text.
LICENCE_WORDING = {
    "MIT": "Permission is hereby granted, free of charge",
    "BSD-2-Clause": "Redistribution and use in source and binary forms",
    "BSD-3-Clause": "Neither the name",
    "ISC": "Permission to use, copy, modify, and/or distribute",
    "Apache-2.0": "Apache License",
    "Unlicense": "This is free and unencumbered software released into the public domain",
}
CLASSIFIERS = {
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
}
LICENCE_FILE = re.compile(r"^(un)?licen[cs]e([-_.][\w-]+)?(\.md|\.txt)?$|^copying(\.md|\.txt)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    registry: str  # "npm" or "pypi"
    name: str
    version: str
    patterns: tuple[str, ...]  # fnmatch patterns on the path inside the package
    limit: int | None = None  # at most this many documents (the first in path order), for variety
    max_bytes: int = MAX_BYTES  # larger only for a kind of input no smaller document has

    @property
    def folder(self) -> str:
        return self.name.lstrip("@").replace("/", "-")


SOURCES = [
    # npm: READMEs, changelogs and rule docs of well-known packages
    Source("npm", "express", "4.22.3", ("Readme.md",)),
    Source("npm", "chalk", "4.1.2", ("readme.md",)),
    Source("npm", "yargs", "18.2.0", ("README.md",)),
    Source("npm", "lodash", "4.18.1", ("README.md",)),
    Source("npm", "axios", "0.21.4", ("README.md", "UPGRADE_GUIDE.md", "CHANGELOG.md", "lib/*/README.md")),
    Source("npm", "marked", "18.2.1", ("README.md", "man/marked.1.md")),
    Source("npm", "markdown-it", "15.0.3", ("README.md",)),
    Source("npm", "remark-gfm", "4.0.1", ("readme.md",)),
    Source("npm", "prettier", "3.10.1", ("README.md",)),
    Source("npm", "eslint-plugin-import", "2.32.0", ("docs/rules/*.md",), limit=14),
    Source("npm", "eslint-plugin-jsx-a11y", "6.10.2", ("README.md", "docs/rules/*.md"), limit=14),
    Source("npm", "eslint-plugin-promise", "7.3.0", ("README.md", "CHANGELOG.md")),
    Source("npm", "typescript-eslint", "8.74.0", ("README.md",)),
    Source("npm", "stylelint", "17.16.0", ("README.md",)),
    Source("npm", "markdownlint", "0.40.0", ("CHANGELOG.md", "CONTRIBUTING.md", "doc/*.md"), limit=18),
    Source("npm", "@vitejs/plugin-react", "6.3.0", ("README.md",)),
    Source("npm", "minimist", "1.2.8", ("README.md", "CHANGELOG.md")),
    Source("npm", "dayjs", "1.11.23", ("README.md",)),
    Source("npm", "zod", "4.6.7", ("README.md",)),
    Source("npm", "cookie", "1.1.1", ("README.md",)),
    Source("npm", "cors", "2.8.6", ("README.md",)),
    Source("npm", "morgan", "1.12.1", ("README.md",)),
    Source("npm", "multer", "2.5.0", ("README.md",)),
    Source("npm", "mitt", "3.0.1", ("README.md",)),
    Source("npm", "nprogress", "0.2.0", ("Readme.md", "History.md", "Notes.md")),
    Source("npm", "js-cookie", "3.0.8", ("README.md",)),
    Source("npm", "cross-env", "10.1.0", ("README.md",)),
    Source("npm", "iconv-lite", "0.7.3", ("README.md",)),
    Source("npm", "crypto-js", "4.2.0", ("README.md", "CONTRIBUTING.md")),
    Source("npm", "jsencrypt", "3.5.4", ("README.md",)),
    Source("npm", "tedious", "19.2.2", ("README.md",)),
    Source("npm", "vscode-languageserver", "11.0.0", ("README.md",)),
    Source("npm", "@azure/abort-controller", "2.1.2", ("README.md",)),
    Source("npm", "regedit", "5.1.4", ("README.md", "CHANGELOG.md")),
    Source("npm", "jspdf", "4.2.1", ("README.md",)),
    Source("npm", "pdfmake", "0.3.11", ("README.md", "CHANGELOG.md")),
    # CRLF line endings, as shipped
    Source("npm", "wmic-js", "0.0.3", ("README.md",)),
    # Chinese, Japanese and Korean documents
    Source("npm", "xss", "1.0.17", ("README.md", "README.zh.md")),
    Source("npm", "pinyin-pro", "3.29.4", ("README.md",)),
    Source("npm", "mockjs", "1.1.0", ("README.md", "CHANGELOG.md")),
    Source("npm", "lunar-javascript", "1.7.7", ("README.md", "README_EN.md", "CHANGELOG.md")),
    Source("npm", "vue-json-viewer", "3.0.4", ("README.md", "History.md")),
    Source("npm", "vue-baidu-map", "0.21.22", ("README.md", "README.zh.md")),
    Source("npm", "china-area-data", "5.0.1", ("readme.md",)),
    Source("npm", "moji", "0.5.1", ("readme.md",)),
    Source("npm", "textlint-rule-ja-no-redundant-expression", "4.0.1", ("README.md",)),
    Source("npm", "analyze-desumasu-dearu", "5.0.2", ("README.md",)),
    Source("npm", "textlint-rule-no-dropping-the-ra", "3.0.0", ("README.md",)),
    Source("npm", "es-hangul", "2.4.0", ("README.md",)),
    # Links written for GitHub: to `<a name>` anchors (twice the same name), to #camelCase fragments of lowercase
    # heading ids; raw `<details>` on the line after a list item's text (no document under MAX_BYTES has it)
    Source("npm", "json-parse-even-better-errors", "2.3.1", ("README.md",)),
    Source("npm", "conf", "9.0.2", ("readme.md",)),
    Source("npm", "type-fest", "0.18.1", ("readme.md",), max_bytes=32 * 1024),
    # API reference and changelogs of npm's own dependencies: argument lists nested in lists, a list right under a
    # quote's line (smart-buffer), loose changelog lists whose bullets change (send)
    Source("npm", "undici", "6.28.0", ("docs/docs/api/ProxyAgent.md", "docs/docs/api/RetryHandler.md",
                                       "docs/docs/api/Client.md", "docs/docs/api/api-lifecycle.md")),
    Source("npm", "smart-buffer", "4.2.0", ("docs/CHANGELOG.md",)),
    Source("npm", "send", "0.19.0", ("HISTORY.md",)),
    # a fence opened with one space and closed with two (the rest of the document was code); "0." wrapped into
    # an item's text
    Source("npm", "debug", "2.6.9", ("README.md",), max_bytes=20 * 1024),
    # found by a pass over READMEs nobody here wrote: a `<p align="center">` never closed (the rest of the README
    # was printed as raw Markdown), an all-contributors table's `<td width="14.28%">` (EPUBCheck refused it), a
    # logo as the title's only content
    Source("npm", "mermaid", "11.17.2", ("README.md",), max_bytes=32 * 1024),
    Source("npm", "node-emoji", "2.2.0", ("README.md",), max_bytes=20 * 1024),
    Source("npm", "katex", "0.19.1", ("README.md",)),
    # VitePress's starter pages: `::: tip` / `::: details` containers, `<script setup>` and `{{ theme }}` (Vue)
    Source("npm", "vitepress", "1.6.4", ("template/markdown-examples.md", "template/api-examples.md")),
    Source("npm", "fd-slicer", "1.1.0", ("README.md",)),
    # PyPI sdists: READMEs, changelogs and MkDocs / MyST documentation
    Source("pypi", "requests", "2.32.3", ("README.md", "HISTORY.md")),
    Source("pypi", "httpx", "0.28.1", ("README.md", "CHANGELOG.md")),
    Source("pypi", "click", "8.5.1", ("README.md", "docs/*.md"), limit=7),
    Source("pypi", "flask", "3.1.3", ("README.md", "examples/*/README.md")),
    Source("pypi", "attrs", "26.1.0", ("README.md", "docs/*.md"), limit=6),
    Source("pypi", "structlog", "26.1.0", ("README.md", "docs/*.md"), limit=5),
    Source("pypi", "black", "26.10.1", ("README.md", "docs/*/*.md"), limit=6),
    Source("pypi", "markdown", "3.11.3", ("README.md", "docs/*.md", "docs/extensions/*.md"), limit=8),
    Source("pypi", "pymdown-extensions", "13.1.2", ("README.md", "docs/src/markdown/*.md",
                                                    "docs/src/markdown/extensions/*.md"), limit=10),
    Source("pypi", "starlette", "1.10.0", ("README.md", "docs/*.md"), limit=8),
    Source("pypi", "typer", "0.29.2", ("README.md",)),
    Source("pypi", "uvicorn", "0.54.0", ("README.md",)),
    # MyST (Sphinx) documentation: an intersphinx link, `pypug:tutorials/...`
    Source("pypi", "pip", "23.0.1", ("docs/html/getting-started.md",)),
    # found by a second pass over real Markdown: MkDocs Material's content tabs and admonitions holding code
    # (mkdocstrings, griffe), MyST's directives and TeX math (sphinx-book-theme, jupyter-book)
    Source("pypi", "mkdocstrings", "1.0.8", ("docs/usage/index.md",)),
    Source("pypi", "griffe", "2.4.1", ("docs/installation.md",)),
    Source("pypi", "sphinx-book-theme", "1.4.0", ("docs/reference/special-theme-elements.md",)),
    Source("pypi", "jupyter-book", "2.1.7", ("docs/get-started/create-content.md",)),
]


def download(source: Source, cache: Path) -> Path:
    """The package's tarball in `cache`, fetched with the registry's own client when it is not there yet."""
    cache.mkdir(parents=True, exist_ok=True)
    if source.registry == "npm":
        packed = cache / f"{source.folder}-{source.version}.tgz"
        if packed.exists():
            return packed
        spec = f"{source.name}@{source.version}"
        name = subprocess.run(["npm", "pack", "--silent", "--pack-destination", str(cache), spec],
                              check=True, capture_output=True, text=True).stdout.split()[-1]
        return cache / name
    for candidate in cache.glob("*.tar.gz"):
        name, _, rest = candidate.name.rpartition("-")
        if _normal(name) == _normal(source.name) and rest == f"{source.version}.tar.gz":
            return candidate
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d", str(cache),
                    f"{source.name}=={source.version}"], check=True)
    return download(source, cache)


def _normal(name: str) -> str:
    """A PyPI project name as sdist file names spell it (PEP 503 and 625 differ only in the separator)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def package_files(tarball: Path) -> dict[str, bytes]:
    """Regular files of the tarball by their path inside the package (its top folder stripped)."""
    files = {}
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if member.isfile():
                inside = member.name.split("/", 1)[1] if "/" in member.name else member.name
                files[inside] = archive.extractfile(member).read()
    return files


def declared_licence(source: Source, files: dict[str, bytes]) -> str:
    """The SPDX expression the package declares (package.json, or PKG-INFO's expression, field or classifier)."""
    if source.registry == "npm":
        manifest = json.loads(files["package.json"])
        # old packages write {"type": "MIT"} or a "licenses" list instead of an SPDX string
        values = [manifest["license"]] if "license" in manifest else manifest.get("licenses", [])
        return " AND ".join(value["type"] if isinstance(value, dict) else value for value in values)
    info = email.parser.Parser().parsestr(files["PKG-INFO"].decode("utf-8"))
    if info.get("License-Expression"):
        return info["License-Expression"]
    for classifier in info.get_all("Classifier") or []:
        if classifier in CLASSIFIERS:
            return CLASSIFIERS[classifier]
    if "License :: OSI Approved :: BSD License" in (info.get_all("Classifier") or []):
        return "BSD"  # which BSD is read from the licence text below
    return (info.get("License") or "").strip()


def licence_text(files: dict[str, bytes]) -> tuple[str, bytes]:
    """(path, text) of the licence file at the package's top."""
    for path in sorted(files):
        if "/" not in path and LICENCE_FILE.match(path):
            return path, files[path]
    raise SystemExit("no licence file at the package's top")


def verified_licence(declared: str, text: bytes) -> str:
    """The declared licence, once its every alternative is permissive and the shipped text reads like it."""
    words = text.decode("utf-8", "replace")
    if declared == "BSD":
        declared = "BSD-3-Clause" if LICENCE_WORDING["BSD-3-Clause"] in words else "BSD-2-Clause"
    names = [name.strip("() ") for name in re.split(r"\s+(?:OR|AND)\s+", declared)]
    if not all(name in PERMISSIVE for name in names):
        raise SystemExit(f"licence {declared!r} is not on the permissive list")
    if not any(LICENCE_WORDING.get(name, name) in words for name in names):
        raise SystemExit(f"the licence file does not read like {declared}")
    return declared.strip("() ")  # "(MIT OR CC0-1.0)", as type-fest declares it


def collect(source: Source, cache: Path) -> list[dict[str, str]]:
    files = package_files(download(source, cache))
    licence_path, licence = licence_text(files)
    licence_id = verified_licence(declared_licence(source, files), licence)
    chosen = [path for path in sorted(files) if any(fnmatch.fnmatchcase(path, p) for p in source.patterns)
              and len(files[path]) <= source.max_bytes]
    target = CORPUS / source.folder
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    (target / "LICENSE").write_bytes(licence)
    rows = []
    for path in chosen[:source.limit]:
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_bytes(files[path])
        rows.append({"file": f"{source.folder}/{path}", "package": source.name, "registry": source.registry,
                     "version": source.version, "path_in_package": path, "licence": licence_id,
                     "licence_file": licence_path})
    if not rows:
        raise SystemExit(f"{source.name}: no document matched {source.patterns}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/guidebook-corpus-cache"))
    args = parser.parse_args()
    rows = []
    for source in SOURCES:
        try:
            rows += collect(source, args.cache)
        except SystemExit as stop:
            raise SystemExit(f"{source.registry} {source.name} {source.version}: {stop}") from None
    lines = ["\t".join(MANIFEST_COLUMNS)] + ["\t".join(row[c] for c in MANIFEST_COLUMNS)
                                            for row in sorted(rows, key=lambda r: r["file"])]
    (CORPUS / "MANIFEST.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = sum((CORPUS / row["file"]).stat().st_size for row in rows)
    print(f"{len(rows)} documents from {len(SOURCES)} packages, {size // 1024} KB")


if __name__ == "__main__":
    main()
