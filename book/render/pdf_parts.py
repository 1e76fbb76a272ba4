"""The fast PDF path for long books: chapters laid out as separate documents on every core, then merged.

A single WeasyPrint document grows slower per page and holds the whole book in memory. Here each chapter is
its own document, laid out in a worker process (and kept in `.cache/parts/` until its HTML or styles change).
Chapter parts carry no running heads or folios: a cheap "chrome" document of invisible stand-ins with the
same page structure draws them and is overlaid. The contents get their page numbers from the parts' anchor
positions; links point at their targets and the outline is rebuilt at merge time. A PDF/UA edition's parts
are tagged, and their structure trees are joined into one (struct_merge.py); the chrome is drawn as an
artifact. The result matches the single-document render in text per page, contents numbers, outline, links
and, when tagged, structure tree (tests/test_parts.py); how often each part is laid out, and that fewer layouts
give the same PDF: tests/test_parts_passes.py.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..assemble import Book
from ..assemble.xrefs import with_page_numbers, xref_targets
from ..infra.cache import Cache, recorded
from ..infra.parallel import KeepingPool, map_forked
from ..load.config_values import page_mm
from .context import RenderContext
from .parts_merge import PX, Part, merge_parts
from .fetcher import parsed_styles
from .pdf import VARIANTS, WARNINGS, RenderedPdf, _first_block, prepare_print
from .xref_numbers import (characters_per_page, expected_by_chapter, expected_numbers, text_positions,
                           write_in_numbers)

@dataclass(frozen=True)
class Layout:
    """Where laid-out parts go in the book: their page counts, first pages (0-based), the total, the page
    number of every anchor, and which parts start on a left-hand page."""

    sheets: tuple[int, ...]
    offsets: tuple[int, ...]
    count: int
    numbers: dict[str, str]
    versos: tuple[bool, ...]


@dataclass(frozen=True)
class Plan:
    """What a pass lays the parts out with: the page numbers cross-references print, and each part's side."""

    numbers: dict[str, str]
    versos: tuple[bool, ...]


# A part whose first page is a left-hand page (right-hand in a right-to-left book): WeasyPrint takes the side of
# a document's first page from the root element's break-before.
VERSO = ("html { break-before: verso; }", "")


def chapter_part_css(base_css: list, parts_css: tuple, verso: bool) -> list:
    """The stylesheets a chapter (or back cover) part is laid out with, on a left-hand page first when `verso`."""
    return base_css + [parts_css] + ([VERSO] if verso else [])


@dataclass
class _Laid:
    """A part laid out and not yet drawn: its WeasyPrint document, the files its layout read and the fetcher that
    read them, its variant, and its layout facts (a Part without PDF bytes: enough to place it)."""

    document: object
    files: set
    fetcher: object
    variant: str | None
    facts: Part


def _laid_out(html: str, css: list[tuple[str, str]], roots: list[str], variant: str | None) -> _Laid:
    """Lay out one part (in a worker forked after fontconfig was set up, or in the build's process): `css` is
    (text, base URL) pairs, `variant` WeasyPrint's pdf_variant."""
    from weasyprint import HTML

    from .linebreak import patch_line_breaking
    from .page_styles import share_page_styles
    patch_line_breaking()
    share_page_styles()

    fetcher, font_config, sheets, read_by_styles = parsed_styles(css, roots)
    fetcher.fetched = set(read_by_styles)
    document = HTML(string=html, base_url=roots[0] + "/", url_fetcher=fetcher).render(
        stylesheets=sheets, font_config=font_config, pdf_variant=variant)
    anchors, links, bookmarks = {}, [], []
    for number, page in enumerate(document.pages):
        for name, (x, y, _, _) in page.anchors.items():
            anchors.setdefault(name, (number, x, y))
        links += [(number, target, rect) for kind, target, rect, _ in page.links if kind == "internal"]
        bookmarks += [(number, level, label, y) for level, label, (_, y), _ in page.bookmarks]
    files = set(fetcher.fetched)  # (the fetcher is shared: another part may be laid out before this one is drawn)
    facts = Part(b"", tuple(page.height * PX for page in document.pages), anchors, tuple(links), tuple(bookmarks),
                 tuple(_first_block(page) for page in document.pages))
    return _Laid(document, files, fetcher, variant, facts)


def _written(laid: _Laid) -> Part:
    """The laid-out part drawn: its PDF, with the files its layout read."""
    document, variant = laid.document, laid.variant
    # WeasyPrint drops a link whose target is in another part, and with it the annotation its Link element (when
    # tagged) refers to. A stand-in anchor keeps it; the merge points it at the real target.
    for _, target, _ in laid.facts.links:
        if target not in laid.facts.anchors:
            document.pages[0].anchors.setdefault(target, (0, 0, 0, 0))
    from .pdf_tags import contents_pages, describe_links, finish_tags
    pdf = document.write_pdf(pdf_variant=variant, finisher=(lambda d, _: describe_links(d)) if variant else None)
    if variant:  # the PDF/UA fixes made here, on both cores, not on the merged book (600 tagged pages: 1.7 s less)
        pdf = finish_tags(pdf, contents_pages(laid.facts.starts))
    # (the fetcher is shared: what it fetched since may be another part's too, which only makes the entry stricter)
    files = laid.files | laid.fetcher.fetched
    return replace(laid.facts, pdf=pdf, files=tuple(tuple(item) for item in recorded(files)))


def _render_part(html: str, css: list[tuple[str, str]], roots: list[str], variant: str | None) -> Part:
    """One part laid out and drawn (see _laid_out)."""
    return _written(_laid_out(html, css, roots, variant))


def _part_meta(part: Part) -> dict:
    """The part's layout facts as JSON-ready data (its PDF is stored beside them as raw bytes)."""
    return {"heights": list(part.heights), "anchors": {k: list(v) for k, v in part.anchors.items()},
            "links": [[page, target, list(rect)] for page, target, rect in part.links],
            "bookmarks": [list(b) for b in part.bookmarks], "starts": list(part.starts),
            "files": [list(f) for f in part.files]}


def _part_from_cache(entry: tuple[dict, bytes] | None) -> Part | None:
    """The Part a cache entry holds, or None when the entry is missing or not shaped like one."""
    if entry is None:
        return None
    meta, pdf = entry
    try:
        return Part(pdf, tuple(float(h) for h in meta["heights"]),
                    {str(k): (int(p), float(x), float(y)) for k, (p, x, y) in meta["anchors"].items()},
                    tuple((int(p), str(t), tuple(float(v) for v in rect)) for p, t, rect in meta["links"]),
                    tuple((int(p), int(level), str(label), float(y)) for p, level, label, y in meta["bookmarks"]),
                    tuple(str(s) for s in meta["starts"]), tuple(tuple(f) for f in meta["files"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _key(html: str, css: list[tuple[str, str]], variant: str | None) -> str:
    """The cache key of a part: its HTML, its stylesheets and their base URLs, its PDF variant (and guidebook's code)."""
    return Cache.key("part", str(variant), html, *(piece for text, base in css for piece in (text, base)))


def _cached(jobs: list[tuple], cache: Cache) -> tuple[list[str], list[Part | None]]:
    """The cache keys of (html, css, roots, variant) jobs, and the Parts the cache has for them (None: not there).
    A part is reused while the files its layout read (images, fonts, imported stylesheets) are unchanged."""
    keys = [_key(job[0], job[1], job[3]) for job in jobs]
    return keys, [_part_from_cache(cache.get_fresh(key, [Path(r) for r in job[2]])) for key, job in zip(keys, jobs)]


def _to_lay_out(jobs: list[tuple], parts: list[Part | None]) -> list[int]:
    """The jobs the cache had no part for, the longest (by their HTML) first: a long one begun last would leave
    the other cores idle meanwhile."""
    return sorted((i for i, part in enumerate(parts) if part is None), key=lambda i: -len(jobs[i][0]))


def _render_all(jobs: list[tuple], cache: Cache, workers: int) -> list[Part]:
    """Each (html, css, roots, variant) job as a Part: cached ones reused, the rest on `workers` processes."""
    keys, parts = _cached(jobs, cache)
    todo = _to_lay_out(jobs, parts)
    done = map_forked(_render_part, *zip(*[jobs[i] for i in todo]), workers=min(workers, len(todo))) if todo else []
    for i, part in zip(todo, done):
        parts[i] = part
        cache.put(keys[i], _part_meta(part), part.pdf)
    return parts


def _laid_or_drawn(html: str, css: list[tuple[str, str]], roots: list[str], variant: str | None,
                   keep: bool) -> tuple[Part, _Laid | None]:
    """A part laid out and, when `keep`, kept undrawn (its Part has the layout facts and no PDF), else drawn."""
    if keep:
        laid = _laid_out(html, css, roots, variant)
        return laid.facts, laid
    return _render_part(html, css, roots, variant), None


def _finished(laid: _Laid, write_in: bool, laid_with: dict[str, str], numbers: dict[str, str],
              again: tuple | None = None) -> tuple[bool, Part]:
    """A kept part drawn, `numbers` written in where its cross-references print `laid_with` when `write_in` (it
    is on the side it was laid out for): (whether the Part prints `numbers` on that side, the Part). Where they
    could not be written in, the part is laid out again as the (html, css, roots, variant) job `again` when given
    (a job printing `numbers`, on the side found: True, that Part), else drawn as it was laid out (False)."""
    if write_in and write_in_numbers(laid.document, laid_with, numbers):
        return True, _written(laid)
    if again is None:
        return False, _written(laid)
    del laid  # (its memory is given back before the second layout)
    return True, _render_part(*again)


def _render_keeping(jobs: list[tuple], cache: Cache, pool: KeepingPool, keep: set[int]) -> list[Part]:
    """Each (html, css, roots, variant) job as a Part: cached ones reused, the rest laid out in the `pool`, where
    those in `keep` stay undrawn (their Part has the layout facts and no PDF) as far as the pool's budget goes
    (pool.kept() says which did)."""
    keys, parts = _cached(jobs, cache)
    todo = _to_lay_out(jobs, parts)
    done = pool.run([(i, _laid_or_drawn, jobs[i], len(jobs[i][0]) if i in keep else 0) for i in todo])
    kept = pool.kept()
    for i in todo:
        parts[i] = done[i]
        if i not in kept:
            cache.put(keys[i], _part_meta(parts[i]), parts[i].pdf)
    return parts


def render_pdf_parts(book: Book, context: RenderContext, workers: int, cache: Cache) -> RenderedPdf:
    """The edition as a PDF made of separately laid-out parts (see the module docstring), on `workers`
    processes; parts are kept in `cache` (the project's `.cache/parts/`, book/infra/cache.py). Fontconfig must
    already see only the book's fonts (fonts.isolate_fonts, called by the build before the workers fork)."""
    edition = book.edition
    prepared = prepare_print(book, context)
    for warning in prepared.warnings:
        WARNINGS.warning("%s", warning)
    base_css = prepared.css
    parts_css, chrome_css = context.parts_css, context.chrome_css
    roots = [str(book.config.root), str(context.styles)]
    render = prepared.render_html  # (part, chapters, page_numbers) → HTML
    # Tagged editions get tagged parts, merged tree and all; the chrome is never tagged (it is drawn as an artifact).
    variant = VARIANTS[edition.pdf_variant] if edition.pdf_variant == "pdf/ua-1" else None

    back = [render("back", [], {})] if edition.branding or edition.back_cover else []
    pointing = [xref_targets(c["html"]) for c in prepared.chapters]  # each chapter's cross-references' targets
    targets = set().union(*pointing)

    parts = len(prepared.chapters) + len(back)

    def content_job(index: int, plan: Plan) -> tuple:
        """Chapter `index` (its cross-references printing the plan's numbers), or the back cover after the last
        chapter, as a part to lay out, starting on the side of the page the plan says."""
        if index < len(prepared.chapters):
            chapter = prepared.chapters[index]
            html = render("chapter", [dict(chapter, html=with_page_numbers(chapter["html"], plan.numbers))], {})
        else:
            html = back[index - len(prepared.chapters)]
        return html, chapter_part_css(base_css, parts_css, plan.versos[index]), roots, variant

    def content_jobs(plan: Plan) -> list[tuple]:
        """Every chapter and the back cover, as content_job makes them."""
        return [content_job(index, plan) for index in range(parts)]

    def start_of(index: int, count: int) -> int:
        """The page (0-based) part `index` starts on after `count` pages: each chapter opens on a right-hand page
        where the edition wants that, and a back cover is on a left-hand page."""
        if edition.chapters_on_recto and count % 2 == 1 and index < len(prepared.chapters):
            count += 1
        if edition.two_sided and count % 2 == 0 and index == len(prepared.chapters):
            count += 1
        return count

    def verso(offset: int) -> bool:
        """Whether a part at `offset` starts on a left-hand page. Two-sided, the front matter is made even
        (merge_parts), and a left-hand page's margins mirror a right-hand one's; one-sided, both are the same."""
        return edition.two_sided and offset % 2 == 1

    def placed(content: list[Part]) -> Layout:
        """Where the parts go (start_of)."""
        offsets, count = [], 0
        for index, part in enumerate(content):
            offsets.append(start_of(index, count))
            count = offsets[-1] + len(part.heights)
        numbers = {name: str(offset + page + 1) for part, offset in zip(content, offsets)
                   for name, (page, _, _) in part.anchors.items()}
        return Layout(tuple(len(part.heights) for part in content), tuple(offsets), count, numbers,
                      tuple(verso(offset) for offset in offsets))

    # where each chapter and each cross-reference target starts, in characters of text
    starts, positions = text_positions([(c["anchor"], c["html"]) for c in prepared.chapters], targets)

    def expected_after(index: int, pages: int, targets: set[str]) -> dict[str, str]:
        """A guess at the pages of `targets` in chapter `index` and after, `pages` pages coming before it: at as
        many characters a page as those hold (a page size's guess for the first chapter)."""
        per_page = starts[index] / pages if pages and starts[index] else characters_per_page(page_mm(edition.page_size))
        return expected_numbers(positions, targets, max(1.0, per_page), first=pages + 1, start=starts[index])

    def front_job(layout: Layout) -> tuple:
        """The front matter, its contents numbered from `layout`."""
        return render("front", [], layout.numbers), base_css, roots, variant

    def chrome_jobs(layout: Layout, front_pages: int) -> list[tuple]:
        """The running heads and folios, in CHROME_CHUNKS chunks, each chunk starting at a chapter opening, folios
        continuing, and on the side of the page it has in the book (after `front_pages` pages, made even when
        two-sided), as in a single document: heads and folios differ between left- and right-hand pages."""
        sized = [dict(c, sheets=sheets) for c, sheets in zip(prepared.chapters, layout.sheets)]
        front_pages += edition.two_sided and front_pages % 2
        jobs = []
        for first, last in _chunks(len(sized), list(layout.offsets), layout.count, CHROME_CHUNKS):
            restart = f"@page body-start:nth(1 of body-start) {{ counter-reset: page {layout.offsets[first] + 1}; }}"
            verso = [VERSO] if (front_pages + layout.offsets[first]) % 2 else []
            jobs.append((render("chrome", sized[first:last], {}), base_css + [chrome_css, (restart, "")] + verso, roots, None))
        return jobs

    # Cross-references print their target's page (book/assemble/xrefs.py), known only once the chapters are laid out;
    # and where chapters need not open on a right-hand page, a chapter's side is known only once those before it
    # are laid out. The first pass uses what the last build settled on (after an edit that moves no page, only the
    # edited chapter is laid out), and guesses the rest; laid out one after the other (editions side by side), each
    # part gets its side and the pages of what is before it right. A chapter with cross-references is kept undrawn
    # (by the worker that laid it out, or by this process) until every part is placed; then the numbers found are
    # written into it (xref_numbers.py), so a cold build lays it out once. A chapter that turned out to be on the
    # other side of the spread, or whose numbers could not be written in, is laid out again with the numbers and
    # sides found, until nothing moves. The front matter and the chrome for what was found are laid out alongside
    # that second pass, on the cores the chapters leave free, and kept when it moves nothing.
    hint = Cache.key("cross-reference pages", edition.name, book.config.language)
    hinted = cache.get(hint)
    plan = _plan_hint(hinted, targets, (False,) * len(prepared.chapters) + (edition.two_sided,) * len(back))
    # One-sided, the chrome's sides follow the front matter's page count: without the last build's count (a cold
    # build) a guess is as often wrong as right, and a wrong guess lays out the whole chrome twice. Then the chrome
    # waits for the front matter instead (below; the front matter laid out earlier is reused from the cache).
    front_pages, finished = 0 if edition.two_sided else _front_pages_hint(hinted), None
    chrome_now = edition.two_sided or front_pages is not None

    def alongside(layout: Layout) -> list[tuple]:
        """The front matter and, when its side is known (chrome_now), the chrome, for the parts placed as in
        `layout`."""
        return [front_job(layout)] + (chrome_jobs(layout, front_pages) if chrome_now else [])

    if workers > 1:  # the chapters with cross-references kept undrawn in the workers, as far as their memory goes
        expected = expected_by_chapter(starts, positions, targets - plan.numbers.keys(),
                                       characters_per_page(page_mm(edition.page_size)), start_of)
        plan = replace(plan, numbers={**expected, **plan.numbers})
        laid_with = [plan.numbers] * parts
        with KeepingPool(workers, KEPT_CHARACTERS) as pool:
            pointers = {i for i, points in enumerate(pointing) if points}
            content = _render_keeping(content_jobs(plan), cache, pool, pointers)
            layout = placed(content)
            # While the workers draw the chapters they kept, what the second pass below lays out for this layout
            # (the front matter, the chrome, chapters drawn with other numbers) is laid out beside them, the longest
            # first, into the cache, where that pass finds it; a kept chapter whose numbers cannot be written in is
            # laid out again at once by its worker. (600 pages: 15.6–16.3 → 14.6–15.3 s, in one sitting.) A spare
            # worker begins the longest, the front matter, at once: else it began last, after its worker's kept
            # chapters, and ended alone (600 pages, six runs each, alternating: 13.78 → 13.58 s on average, the
            # peak 250–266 → 240–249 MB).
            ahead = content_jobs(Plan(layout.numbers, layout.versos)) + alongside(layout)
            keys, ready = _cached(ahead, cache)
            kept = pool.kept()
            done = pool.finish(
                {i: (_finished, (plan.versos[i] == layout.versos[i], plan.numbers, layout.numbers, ahead[i]))
                 for i in kept},
                free=[(i, _laid_or_drawn, ahead[i]) for i in _to_lay_out(ahead, ready) if i not in kept], spare=1)
        drawn = {i: done[i] for i in kept}
        for i, result in done.items():
            part = result[1] if i in kept else result
            cache.put(keys[i], _part_meta(part), part.pdf)
    else:  # one after the other: each part on its side and with the numbers of what comes before it, never guessed
        holding = _to_hold([len(c["html"]) for c in prepared.chapters], pointing)
        content, held, laid_with, known, count = [], {}, [], {}, 0
        for index in range(parts):
            offset = start_of(index, count)
            plan = replace(plan, versos=plan.versos[:index] + (verso(offset),) + plan.versos[index + 1:])
            numbers = {}
            if index < len(pointing) and pointing[index]:
                numbers = {**expected_after(index, offset, targets - plan.numbers.keys()), **plan.numbers, **known}
            job = content_job(index, replace(plan, numbers=numbers))
            [key], [part] = _cached([job], cache)
            if part is None:
                part, kept = _laid_or_drawn(*job, keep=index in holding)
                if kept is None:
                    cache.put(key, _part_meta(part), part.pdf)
                else:
                    held[index] = kept
            content.append(part)
            laid_with.append(numbers)
            known.update({name: str(offset + page + 1) for name, (page, _, _) in content[-1].anchors.items()
                          if name in targets})
            count = offset + len(content[-1].heights)
        layout = placed(content)
        drawn = {i: _finished(laid, plan.versos[i] == layout.versos[i], laid_with[i], layout.numbers)
                 for i, laid in held.items()}
        for i, (current, part) in drawn.items():
            if current:  # kept as what a layout with the numbers found gives
                html, css, _, _ = content_job(i, replace(plan, numbers=layout.numbers))
                cache.put(_key(html, css, variant), _part_meta(part), part.pdf)
    settled, versos = True, list(plan.versos)
    for i, (current, part) in drawn.items():  # (current: it prints the numbers found, on the side found)
        content[i] = part  # (not current: as laid out; the passes below settle it)
        settled = settled and current
        if current:
            versos[i] = layout.versos[i]
    # A chapter laid out again with the numbers found (its own could not be written in) may have come out a page
    # longer or shorter, and moved what follows. Where none did, the numbers and sides found are what every part
    # was laid out with, and the passes below have nothing to do (before, one pass found all of it in the cache:
    # 0.2 s on 600 pages).
    settled = settled and placed(content) == layout
    # The chapters not laid out here (reused from the cache) print the numbers they were laid out with: the numbers
    # found become the plan only where those agree with them. (Without this check, an edit that moved a page left
    # an unchanged chapter's "page 15" pointing at what was now page 19.)
    agreed = all(laid_with[i].get(t) == layout.numbers.get(t) for i in range(len(pointing)) if i not in drawn
                 for t in pointing[i])
    plan = Plan(layout.numbers if settled and agreed else {}, tuple(versos))
    for _ in range(2):
        if plan.versos == layout.versos and all(plan.numbers.get(t) == layout.numbers.get(t) for t in targets):
            break
        plan = Plan(layout.numbers, layout.versos)
        results = _render_all(content_jobs(plan) + alongside(layout), cache, workers)
        content, guessed = results[:parts], results[parts:]
        moved, layout = layout, placed(content)
        # (two-sided, the front matter is made even)
        sides_kept = chrome_now and (edition.two_sided or front_pages % 2 == len(guessed[0].heights) % 2)
        finished = guessed if sides_kept and layout == moved else None
    if finished is None:
        front = _render_all([front_job(layout)], cache, workers)[0]
        finished = [front] + _render_all(chrome_jobs(layout, len(front.heights)), cache, workers)
    front, *chrome = finished
    cache.put(hint, {"numbers": {target: layout.numbers[target] for target in targets if target in layout.numbers},
                     "versos": list(layout.versos), "front_pages": len(front.heights)})
    offsets, count = list(layout.offsets), layout.count
    chunks = _chunks(len(prepared.chapters), offsets, count, CHROME_CHUNKS)
    merged = merge_parts(book, front, content, offsets, list(zip([offsets[f] for f, _ in chunks], chrome)), count)
    return replace(merged, layout_key=prepared.layout_key(book.config.root))


# A chapter laid out and held undrawn keeps its whole layout in memory until every part is placed. Laid out one
# after the other in the build's process, a book whose chapters with cross-references have more HTML than this
# lays them out twice instead: holding the 600-page book's 112 (943,000 characters) took its peak memory from 332
# to 540 MB. On several cores each worker keeps what it laid out, up to KEPT_CHARACTERS (about 130 MB): the
# 600-page book's 112 fit in two workers, which then peak at 260 MB each (the main process at 230 MB, merging).
HELD_CHARACTERS = 150_000
KEPT_CHARACTERS = 600_000


def _to_hold(sizes: list[int], pointing: list[set[str]]) -> set[int]:
    """The chapters (by index; `sizes`: their HTML's length, `pointing`: their cross-references' targets) to lay
    out once and hold: those with cross-references, when their HTML is under HELD_CHARACTERS in all."""
    held = {index for index, points in enumerate(pointing) if points}
    return held if sum(sizes[index] for index in held) <= HELD_CHARACTERS else set()


def _plan_hint(entry: tuple[dict, bytes] | None, targets: set[str], versos: tuple[bool, ...]) -> "Plan":
    """The first pass's plan from a cached hint: page numbers (digits, known targets only: the cache lives in the
    project folder and these strings go into the layout) and each part's side (else `versos`)."""
    meta = entry[0] if entry else {}
    numbers, hinted = meta.get("numbers"), meta.get("versos")
    if not isinstance(numbers, dict):
        numbers = {}
    numbers = {t: n for t, n in numbers.items() if t in targets and isinstance(n, str) and n.isdigit() and len(n) < 6}
    if isinstance(hinted, list) and len(hinted) == len(versos) and all(v is True or v is False for v in hinted):
        versos = tuple(hinted)
    return Plan(numbers, versos)


def _front_pages_hint(entry: tuple[dict, bytes] | None) -> int | None:
    """How many pages the front matter had in the last build (the chrome's side depends on it when one-sided),
    None when no build recorded it."""
    pages = entry[0].get("front_pages") if entry else None
    return pages if isinstance(pages, int) and 0 <= pages < 10_000 else None


# The running heads are laid out in this many chunks, side by side on two cores. A constant, not the number of
# cores: each chunk embeds its own font subsets, and the files must not depend on the machine.
CHROME_CHUNKS = 2


def _chunks(chapters: int, offsets: list[int], pages: int, count: int) -> list[tuple[int, int]]:
    """[first, last) chapter ranges of about equal page counts, `count` of them (fewer for a short book)."""
    bounds, target = [0], pages / max(count, 1)
    for index in range(1, chapters):
        if offsets[index] >= target * len(bounds) and len(bounds) < count:
            bounds.append(index)
    bounds.append(chapters)
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
