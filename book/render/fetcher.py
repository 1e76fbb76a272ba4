"""The only way WeasyPrint reads a resource: files inside the allowed folders, and data: URLs; and stylesheets,
read that way, parsed once per process."""
from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from ..infra.cache import recorded
from ..load.paths import file_problem

MEDIA_TYPES = {".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp", ".ttf": "font/ttf",
               ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2", ".html": "text/html"}


class ResourceRefused(FatalURLFetchingError):
    """A stylesheet, image or font outside the project, or remote: the build stops and says which."""


class ProjectFetcher(URLFetcher):
    """Serves file: URLs below `roots` and data: URLs; refuses the network and the rest of the disk. `fetched`
    lists the files served (a cached layout is good only while they stay the same)."""

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
        self.roots = [r.resolve() for r in roots]
        self.fetched: set[str] = set()

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ResourceRefused(f"refused to fetch '{url}': the build never uses the network")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path == root or root in path.parents for root in self.roots):
            raise ResourceRefused(f"refused to read '{path}': it is outside the project folder")
        if (problem := file_problem(path)) == "file not found":
            raise ResourceRefused(f"resource not found: {path}")
        if problem:  # a FIFO would block the layout for ever
            raise ResourceRefused(f"refused to read '{path}': it {problem}")
        self.fetched.add(str(path))
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")})


_STYLES: dict = {}  # per process: parsed stylesheets and their fonts, shared by every document it lays out
_STYLES_KEPT = 16  # a long `watch` session parses new ones after each edit


def parsed_styles(css: list[tuple[str, str]], roots: list):
    """(fetcher, font configuration, parsed stylesheets, files the stylesheets read) for `css` ((text, base URL)
    pairs), parsed once per process: parsed before a fork, once for every worker (clinic lists' back covers, the
    parts engine's parts). Parsed again when a file they read (a font, an imported sheet) has changed since:
    `watch` keeps this process for many builds."""
    key = hashlib.sha256(repr((css, [str(r) for r in roots])).encode()).hexdigest()
    entry = _STYLES.get(key)
    # WeasyPrint copies @font-face fonts into a temporary folder: a build's own, removed when the build ends, so
    # stylesheets parsed during one build of `watch` are parsed again in the next (book/commands/runner.py keeps
    # them in a folder that lasts while `watch` runs)
    if entry is None or recorded(entry[3]) != entry[4] or (entry[1]._folder and not Path(entry[1]._folder).is_dir()):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fetcher = ProjectFetcher([Path(r) for r in roots])
        fonts = FontConfiguration()
        sheets = [CSS(string=text, base_url=base, url_fetcher=fetcher, font_config=fonts) for text, base in css]
        _STYLES.pop(key, None)
        while len(_STYLES) >= _STYLES_KEPT:
            del _STYLES[next(iter(_STYLES))]
        read = frozenset(fetcher.fetched)
        entry = _STYLES[key] = (fetcher, fonts, sheets, read, recorded(read))
    return entry[:4]
