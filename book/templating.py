"""The Jinja step: layouts (project overrides first) and the sandboxed expansion of chapter Markdown."""
from __future__ import annotations

import re
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .content import Chapter
from .errors import BookError
from .tables import DataTable

LAYOUTS = Path(__file__).parent / "layouts"
TABLE_CALL = re.compile(r"""\btable\(\s*["']([^"']*)["']""")


def layout_env(root: Path) -> jinja2.Environment:
    """Layouts from `root/layouts/` first, then the built-in ones; autoescaped, strict about undefined names."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(root / "layouts"), str(LAYOUTS)]),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)


def _one_line(html: str) -> str:
    # A generated table must stay on one source line so the chapter's later line numbers still hold.
    return re.sub(r"\s*\n\s*", " ", re.sub(r">\s+<", "><", html)).strip()


def check_table_calls(chapter: Chapter, tables: dict[str, DataTable]) -> list[BookError]:
    """An error for each `table("name")` in the chapter that names no data file."""
    errors = []
    for match in TABLE_CALL.finditer(chapter.text):
        if match.group(1) not in tables:
            line = chapter.text.count("\n", 0, match.start()) + 1
            known = ", ".join(sorted(tables)) or "none: add data/<name>.yaml"
            errors.append(BookError(chapter.display, line, f"unknown data table '{match.group(1)}'", f"known tables: {known}"))
    return errors


def expand_chapters(chapters: list[Chapter], tables: dict[str, DataTable], book: dict,
                    layouts: jinja2.Environment) -> tuple[dict[str, str], list[BookError]]:
    """(each chapter's Markdown with its Jinja expressions evaluated, by chapter id; the errors found)."""
    errors = [e for chapter in chapters for e in check_table_calls(chapter, tables)]
    table_layout = layouts.get_template("table.html.j2")
    # `{#` starts Markdown attribute lists (`## Title {#id}`), so Jinja comments get other delimiters.
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
                               comment_start_string="{##", comment_end_string="##}")

    def table(name: str) -> Markup:
        if name not in tables:  # already reported by check_table_calls; keep checking the rest
            return Markup("")
        return Markup(_one_line(table_layout.render(table=tables[name])))

    expanded = {}
    for chapter in chapters:
        try:
            template = env.from_string(chapter.text)
            expanded[chapter.id] = template.render(table=table, book=book)
        except jinja2.TemplateSyntaxError as error:
            expanded[chapter.id] = chapter.text  # unexpanded, so links to this chapter still resolve
            errors.append(BookError(chapter.display, error.lineno, f"template error: {error.message}",
                                    "use {% raw %}…{% endraw %} around literal {{ or {%"))
        except (jinja2.UndefinedError, jinja2.exceptions.SecurityError, TypeError) as error:
            expanded[chapter.id] = chapter.text
            line = _error_line(error)
            errors.append(BookError(chapter.display, line, f"template error: {error}",
                                    "the chapter may use table(\"name\") and book.<key>"))
    return expanded, errors


def _error_line(error: Exception) -> int | None:
    """The template line a runtime Jinja error happened on (Jinja rewrites tracebacks to point at it)."""
    tb, line = error.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
