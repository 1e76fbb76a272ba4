"""Renderers: the assembled book as PDF, EPUB and the download page. Every path into WeasyPrint passes here
first, so its import looks its libraries up the quick way (book/infra/libraries.py)."""
from ..infra.libraries import quicker_library_lookup

quicker_library_lookup()
