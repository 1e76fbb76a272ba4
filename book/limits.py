"""The documented ceilings on what one project may make the builder do (README: "Security model").

A project folder can come from anyone. Each limit keeps a hostile or broken input from hanging the build or
eating the machine's memory; every refusal names the limit, so an author with a genuinely big book knows what
to split. The values leave ample room for real books: the guide's longest chapter is ~25 KB, its biggest
data table 40 rows.
"""
from __future__ import annotations

MAX_CHAPTER_BYTES = 2_000_000  # one chapters/*.md file (a 500-page book's chapter is ~100 KB)
MAX_TABLE_BYTES = 1_000_000  # one data/*.yaml file
MAX_TABLE_ROWS = 5_000  # rows of one data table (a table that long is many pages in print)
MAX_YAML_BYTES = 1_000_000  # book.yaml and front matter
MAX_YAML_VALUES = 100_000  # values in one YAML document once aliases (*name) are expanded: stops alias bombs
MAX_TEMPLATE_OUTPUT = 5_000_000  # characters one chapter's {{ … }} expressions and loops may produce
MAX_TEMPLATE_SECONDS = 10  # wall time for one chapter's Jinja step
MAX_TEMPLATE_SEQUENCE = 1_000_000  # longest string or list a template may make with * (e.g. 'a' * n)
MAX_TEMPLATE_POWER_BITS = 10_000  # largest integer a template may make with ** (about 3,000 digits)
MAX_LIPSUM_PARAGRAPHS = 100
MAX_QUOTE_DEPTH = 30  # blockquote levels (">>>…"): deeper ones exhaust the layout engine's recursion
MAX_INDENT_COLUMNS = 160  # leading spaces of a line: 40 levels of nested lists (4 columns each)
MAX_IMAGE_PIXELS = 40_000_000  # width × height of one image (40 megapixels; 160 MB once decoded)
MAX_IMAGE_BYTES = 50_000_000  # one image file
