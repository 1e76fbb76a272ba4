"""The Jinja step: layouts (project overrides first) and the expansion of chapter Markdown, both sandboxed.

A project's `layouts/` and its chapters come from the author, so both run in Jinja's SandboxedEnvironment
(no `cycler.__init__.__globals__`), layouts load only regular files inside their folder, and a chapter's
expansion is bounded in time, memory, output size and the sizes of what it computes (book/infra/limits.py).
"""
from __future__ import annotations

import contextlib
import functools
import re
import time
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import _PassArg
from markupsafe import Markup

from ..load.content import Chapter
from .errors import BookError
from .limits import (MAX_INDENT_COLUMNS, MAX_LIPSUM_PARAGRAPHS, MAX_QUOTE_DEPTH, MAX_TEMPLATE_MEMORY,
                     MAX_TEMPLATE_OUTPUT, MAX_TEMPLATE_POWER_BITS, MAX_TEMPLATE_SECONDS, MAX_TEMPLATE_SEQUENCE,
                     MAX_YAML_BYTES, LimitExceeded, bounded)
from ..load.paths import file_problem
from ..load.tables import DataTable
from ..load.yamlfile import read_text

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
TABLE_CALL = re.compile(r"""\btable\(\s*["']([^"']*)["']""")
CHAPTER_HINT = "the chapter may use table(\"name\") and book.<key>"
RAW_HINT = "code meant as written: put it between {% raw %} and {% endraw %}"
LIMITS_HINT = "simplify the template; the limits are listed in the README's security model"


class LayoutLoader(jinja2.BaseLoader):
    """Templates from the project's layouts/ first, then the built-in ones: regular files inside their folder only."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.folders = [self.root / "layouts", LAYOUTS.resolve()]

    def get_source(self, environment, template):
        pieces = split_template_path(template)  # refuses `..`
        for folder in self.folders:
            path = folder.joinpath(*pieces)
            if not path.exists() and not path.is_symlink():
                continue
            display = self.display(path)
            if problem := file_problem(path, folder):
                raise BookError(display, None, f"layout {problem}", "keep layouts as files inside layouts/")
            text = read_text(path, display, MAX_YAML_BYTES, "layout")
            overrides = [earlier.joinpath(*pieces) for earlier in self.folders[:self.folders.index(folder)]]
            return text, str(path), functools.partial(_unchanged, path, _stamp(path), overrides)
        raise jinja2.TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        """The project's own layouts (the ones worth checking before a build)."""
        folder = self.folders[0]
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []

    def display(self, path: Path | str) -> str:
        path = Path(path)
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _unchanged(path: Path, stamp: tuple[int, int] | None, overrides: list[Path]) -> bool:
    """Whether a compiled layout still stands: its file as it was, and no project layout added in front of it."""
    return _stamp(path) == stamp and not any(o.exists() or o.is_symlink() for o in overrides)


def layout_env(root: Path) -> SandboxedEnvironment:
    """Layouts from `root/layouts/` first, then the built-in ones; sandboxed, autoescaped, strict about names."""
    return _layout_env(root.resolve())


@functools.lru_cache(maxsize=8)
def _layout_env(root: Path) -> SandboxedEnvironment:
    """One environment per project and process: compiling the print layout costs 0.15 s, which each build of
    `watch` and each forked layout worker would pay again. A layout is compiled again once its file changes."""
    return SandboxedEnvironment(
        loader=LayoutLoader(root), autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True, auto_reload=True)


def check_layouts(layouts: jinja2.Environment) -> list[BookError]:
    """A syntax error in any of the project's own layouts, found before anything is laid out."""
    errors = []
    for name in layouts.loader.list_templates():
        try:
            layouts.get_template(name)
        except BookError as error:
            errors.append(error)
        except jinja2.TemplateSyntaxError as error:
            errors.append(BookError(f"layouts/{name}", error.lineno, f"layout error: {error.message}",
                                    "fix the Jinja syntax of this layout"))
    return errors


def layout_error(error: BaseException, layouts: jinja2.Environment) -> BookError | None:
    """The BookError for an exception raised while rendering a project layout (its file and line), or None."""
    if isinstance(error, BookError):
        return error
    loader = layouts.loader
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        return BookError(loader.display(error.filename), error.lineno, f"layout error: {error.message}",
                         "fix the Jinja syntax of this layout")
    where = None
    tb = error.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith(str(loader.folders[0]) + "/"):
            where = (loader.display(name), tb.tb_lineno)
        tb = tb.tb_next
    if where is None:
        return None
    message = error.message if isinstance(error, jinja2.TemplateError) and error.message else str(error)
    return BookError(where[0], where[1], f"layout error: {message}",
                     "a layout may use the values guidebook passes it (see book/layouts/ for examples)")


@contextlib.contextmanager
def layout_errors(layouts: jinja2.Environment):
    """Turn an exception from one of the project's layouts into a BookError at the layout's file and line."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - re-raised unchanged unless a project layout raised it
        converted = layout_error(error, layouts)
        if converted is None or converted is error:
            raise
        raise converted from None


class ChapterSandbox(SandboxedEnvironment):
    """The chapters' Jinja: sandboxed, and refusing to build huge strings, lists or numbers in one step."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context, op, left, right):
        if op == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) \
                        and len(sequence) * count > MAX_TEMPLATE_SEQUENCE:
                    raise LimitExceeded(f"'*' would make something longer than the limit of {MAX_TEMPLATE_SEQUENCE:,}")
        if op == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1 \
                and right * abs(left).bit_length() > MAX_TEMPLATE_POWER_BITS:
            raise LimitExceeded(f"'**' would make a number larger than the limit of {MAX_TEMPLATE_POWER_BITS:,} bits")
        if op == "%" and isinstance(left, str) and re.search(r"%[-+ #0]*\d{7,}", left):
            raise LimitExceeded("'%' with a field width above the limit")
        return super().call_binop(context, op, left, right)


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100):  # noqa: A002 - Jinja's own names
    if not isinstance(n, int) or n > MAX_LIPSUM_PARAGRAPHS:
        raise LimitExceeded(f"lipsum() makes at most {MAX_LIPSUM_PARAGRAPHS} paragraphs")
    from jinja2.utils import generate_lorem_ipsum
    return generate_lorem_ipsum(n=n, html=html, min=min, max=max)


def _at_render_time(function):
    """`function` as a filter Jinja cannot evaluate while compiling (constant folding would run `'a'|center(10**9)`
    before any limit applies, and without a line to blame)."""
    kind = _PassArg.from_obj(function)

    @jinja2.pass_context
    def run(context, *args, **kwargs):
        first = {_PassArg.context: (context,), _PassArg.eval_context: (context.eval_ctx,),
                 _PassArg.environment: (context.environment,)}.get(kind, ())
        return function(*first, *args, **kwargs)

    return run


def chapter_env() -> ChapterSandbox:
    # `{#` starts Markdown attribute lists (`## Title {#id}`), so Jinja comments get other delimiters.
    env = ChapterSandbox(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
                         comment_start_string="{##", comment_end_string="##}")
    env.filters = {name: _at_render_time(function) for name, function in env.filters.items()}
    env.globals["lipsum"] = _lipsum
    return env


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


def nesting_problem(text: str) -> tuple[int, str] | None:
    """(line, what) of the first line nested deeper than the limits allow, checked before Markdown runs.

    Python-Markdown and WeasyPrint recurse once per level: a list thousands of levels deep takes minutes,
    a blockquote a few hundred deep exhausts the layout's recursion.
    """
    fence = None
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip(" \t")
        marker = stripped[:3]
        if marker in ("```", "~~~"):
            fence = None if fence == marker else (fence or marker)
            continue
        if fence:
            continue
        indent = len(line[: len(line) - len(stripped)].expandtabs(4))
        if indent > MAX_INDENT_COLUMNS:
            return number, f"indented {indent} columns, deeper than the limit of {MAX_INDENT_COLUMNS} (nested lists)"
        prefix = re.match(r"(?:\s*(?:>|[-*+](?=\s)|\d{1,9}[.)](?=\s)))*", line).group()
        quotes, markers = prefix.count(">"), len(re.findall(r"[-*+]|\d+[.)]", prefix))
        if quotes > MAX_QUOTE_DEPTH or markers > MAX_QUOTE_DEPTH:
            return number, f"nested {max(quotes, markers)} levels deep, deeper than the limit of {MAX_QUOTE_DEPTH}"
    return None


class OutputTooLong(LimitExceeded):
    def __init__(self, line: int):
        super().__init__(f"its output is longer than the limit of {MAX_TEMPLATE_OUTPUT:,} characters")
        self.line = line


def _render_bounded(template: jinja2.Template, **context) -> str:
    """The template's output, stopped at MAX_TEMPLATE_OUTPUT characters (OutputTooLong says on which line)."""
    pieces, size = [], 0
    for piece in template.generate(**context):
        size += len(piece)
        if size > MAX_TEMPLATE_OUTPUT:  # expansions keep the line count, so the output's line is the source's
            raise OutputTooLong(sum(p.count("\n") for p in pieces) + 1)
        pieces.append(piece)
    return "".join(pieces)


def _runtime_message(error: BaseException) -> str:
    if isinstance(error, LimitExceeded):
        return f"template stopped: {error}"
    if isinstance(error, RecursionError):
        return "template error: macros call each other too deeply"
    if isinstance(error, jinja2.TemplateError):
        return f"template error: {error.message or error}"
    return f"template error: {type(error).__name__}: {error}"


def expand_chapters(chapters: list[Chapter], tables: dict[str, DataTable], book: dict,
                    layouts: jinja2.Environment, strict: bool = True) -> tuple[dict[str, str], list[BookError]]:
    """(each chapter's Markdown with its Jinja expressions evaluated, by chapter id; the errors found).

    Not strict: a chapter that is no valid template (Markdown written elsewhere, with a literal `{{` in its
    prose) is taken as it is, with a warning."""
    unknown_tables = {chapter.id: check_table_calls(chapter, tables) for chapter in chapters}
    if strict:
        errors = [e for found in unknown_tables.values() for e in found]
    else:  # a README documenting a tool with a table() of its own, in its code examples: as with an undefined name
        errors = [BookError(e.path, e.line, f"{e.message}; the chapter is taken literally", e.hint, warning=True)
                  for found in unknown_tables.values() for e in found]
    errors += check_layouts(layouts)
    env = chapter_env()

    def table(name: str) -> Markup:
        if not isinstance(name, str):
            raise TypeError(f"table() takes a data table's name in quotes, not {name!r}")
        if name not in tables:  # already reported by check_table_calls; keep checking the rest
            return Markup("")
        with layout_errors(layouts):
            html = layouts.get_template("table.html.j2").render(table=tables[name])
        return Markup(_one_line(html))

    expanded = {}
    deadline = time.monotonic() + MAX_TEMPLATE_SECONDS  # one budget for all chapters: a build stays bounded
    for chapter in chapters:
        if (deep := nesting_problem(chapter.text)) is not None:  # before Jinja, which is slow on such text too
            errors.append(BookError(chapter.display, deep[0], f"Markdown {deep[1]}",
                                    "flatten the nesting; Markdown this deep cannot be laid out"))
            continue
        if not strict and unknown_tables[chapter.id]:
            expanded[chapter.id] = chapter.text
            continue
        try:
            with bounded(max(deadline - time.monotonic(), 0.001), MAX_TEMPLATE_MEMORY, MAX_TEMPLATE_SECONDS):
                template = env.from_string(chapter.text)
                text = _render_bounded(template, table=table, book=book)
        except jinja2.TemplateSyntaxError as error:
            expanded[chapter.id] = chapter.text  # unexpanded, so links to this chapter still resolve
            if strict:
                errors.append(BookError(chapter.display, error.lineno, f"template error: {error.message}",
                                        "use {% raw %}…{% endraw %} around literal {{ or {%"))
                continue
            errors.append(BookError(chapter.display, error.lineno,
                                    f"template error: {error.message}; the chapter is taken literally",
                                    "use {% raw %}…{% endraw %} around literal {{ or {%", warning=True))
            text = chapter.text
        except BookError as error:  # from a layout the chapter called (table.html.j2): blame the layout
            expanded[chapter.id] = chapter.text
            errors.append(error)
            continue
        except Exception as error:  # noqa: BLE001 - any failure of the author's template code is the author's
            expanded[chapter.id] = chapter.text
            line = error.line if isinstance(error, OutputTooLong) else _error_line(error)
            hint = LIMITS_HINT if isinstance(error, LimitExceeded) else (
                RAW_HINT if isinstance(error, jinja2.UndefinedError) and _in_code(chapter.text, line) else CHAPTER_HINT)
            if strict or isinstance(error, (LimitExceeded, OutputTooLong)):
                errors.append(BookError(chapter.display, line, _runtime_message(error), hint))
                continue
            # `{{ message }}` in a Vue README is an example, not a variable of this book
            errors.append(BookError(chapter.display, line, f"{_runtime_message(error)}; the chapter is taken literally",
                                    hint, warning=True))
            text = chapter.text
        if (deep := nesting_problem(text)) is not None:
            errors.append(BookError(chapter.display, deep[0], f"Markdown {deep[1]}",
                                    "flatten the nesting; Markdown this deep cannot be laid out"))
            continue
        expanded[chapter.id] = text
    return expanded, errors


def _in_code(text: str, line: int | None) -> bool:
    """Whether `line` of a chapter is fenced code or holds inline code: `${{ github.sha }}` in a CI example is
    meant as written, and the author needs to hear how to keep it so."""
    from ..convert.gfm import in_fenced_code
    lines = text.split("\n")
    if line is None or not 0 < line <= len(lines):
        return False
    return in_fenced_code(lines)[line - 1] or "`" in lines[line - 1]


def _error_line(error: Exception) -> int | None:
    """The template line a runtime Jinja error happened on (Jinja rewrites tracebacks to point at it)."""
    tb, line = error.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
