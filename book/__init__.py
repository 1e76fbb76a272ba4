"""guidebook: Markdown chapters → print-ready PDF editions and an EPUB 3."""

__version__ = "0.1.0"
