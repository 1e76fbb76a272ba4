#!/usr/bin/env python3
"""`make bench`: guidebook against Pandoc + WeasyPrint on the same Markdown, in one run.

Inputs: the guide itself, and larger books made from the guide's chapters repeated (2, 5 and 16 copies:
about 70, 170 and 530 PDF pages). For each input the commands alternate (ours, Pandoc, ours, ...); each is
timed as a child process (wall time, and peak RSS of the largest process in its tree, from wait4). Results
go to stdout and bench/results.md. `--quick` runs once, on the guide and the 5-copy book only; `--tagged` runs
once, on the 16-copy book only, its untagged and tagged (PDF/UA) PDF against Pandoc's (stdout only).

Then the newer workloads: the clinic batch (the guide's brochure and booklet for 50, 200 and 1,000 clinics from
a clinic list, bench/clinics.py, against one-clinic builds), the brochure in Chinese and in Arabic against the
English one, and the real-world corpus (tests/corpus/) as one book against Pandoc.
`--quick` measures 50 clinics only; `--workloads` runs only these (stdout only). Last, on a copy of the guide:
every edition cold, after a one-sentence edit (a new process) and with `watch` running, against Pandoc's one
PDF (`--edits`: only these, stdout only).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
sys.path.insert(0, str(REPO))

from book.load.project import load_project  # noqa: E402  (after the path is set)
from pypdf import PdfReader  # noqa: E402

import clinics  # noqa: E402  (bench/clinics.py, beside this file)

COPIES = (2, 5, 16)
LARGE_EDITIONS = """editions:
  print: {format: pdf, page_size: A4, pdf_variant: none}
  tagged: {format: pdf, page_size: A4, pdf_variant: pdf/ua-1}
  ebook: {format: epub}
"""


def measure(command: list[str], env: dict | None = None, cwd: Path = REPO, cold: Path | None = None,
            cpu: bool = False) -> tuple[float, ...]:
    """(wall seconds, peak RSS in MB of the largest process the command ran, and with `cpu` the CPU seconds of
    it and its children); `cold`: a project whose cache goes first."""
    if cold is not None:
        shutil.rmtree(cold / ".cache", ignore_errors=True)  # --force rebuilds editions, but parts would come from here
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: Pandoc's many warnings would fill a pipe and stall
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"failed: {' '.join(command)}\n{errors.read().decode()[-2000:]}")
    if cpu:  # on a busy machine wall time is not the tool's alone: the CPU time says how much work it did
        return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss / 1024


def pandoc_markdown(project: Path, target: Path) -> None:
    """The project's chapters as one Markdown file for Pandoc, data tables expanded (as HTML) by our Jinja step."""
    loaded = load_project(project)
    parts = [f"---\ntitle: \"{loaded.config.title}\"\nlang: {loaded.config.language}\n---\n"]
    for parsed in loaded.chapters:
        parts.append(f"# {parsed.chapter.title}\n\n{parsed.text}\n")
    target.write_text("\n".join(parts), encoding="utf-8")


def make_large_book(copies: int, folder: Path) -> Path:
    """The guide's chapters repeated `copies` times, links and ids kept pointing inside each copy."""
    project = folder / f"book-{copies}"
    if project.exists():
        shutil.rmtree(project)
    (project / "chapters").mkdir(parents=True)
    shutil.copytree(REPO / "data", project / "data")
    shutil.copytree(REPO / "images", project / "images")  # the chapters' figures
    config = (REPO / "book.yaml").read_text(encoding="utf-8").split("\neditions:")[0]
    config = re.sub(r"(?m)^print_edition:.*\n", "", config)
    (project / "book.yaml").write_text(config + "\n" + LARGE_EDITIONS, encoding="utf-8")
    sources = {p: p.read_text(encoding="utf-8") for p in sorted((REPO / "chapters").glob("*.md"))}
    names = [p.name for p in sources]
    # ids the chapters give themselves ({#risks}, id="..."): unique in a book, so each copy gets its own
    explicit = {ident for text in sources.values() for ident in re.findall(r'(?:\{#|\bid=")([\w-]+)(?=[\s}"])', text)}
    for copy in range(1, copies + 1):
        for source, text in sources.items():
            for name in names:
                text = text.replace(f"]({name}", f"](r{copy:02d}-{name}")
            for ident in explicit:
                text = re.sub(rf'(\{{#|\bid="){re.escape(ident)}(?=[\s}}"])', rf"\g<1>{ident}-r{copy:02d}", text)
                text = text.replace(f"#{ident})", f"#{ident}-r{copy:02d})")
            text = re.sub(r"(?m)^id: (.+)$", rf"id: \1-r{copy:02d}", text)
            text = re.sub(r"(?m)^title: (.+)$", rf"title: \1 ({copy})", text)
            (project / "chapters" / f"r{copy:02d}-{source.name}").write_text(text, encoding="utf-8")
    return project


def pages_of(pdf: Path) -> int:
    return len(PdfReader(str(pdf)).pages)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")
    pandoc = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    import weasyprint
    return (f"{cpu}, {os.cpu_count()} cores, {int(memory) / 1024 / 1024:.0f} GiB RAM; Python {platform.python_version()}, "
            f"WeasyPrint {weasyprint.__version__}, {pandoc}; {dt.date.today().isoformat()}")


def run_input(name: str, project: Path, work: Path, repeats: int, env: dict, only_pdf: bool = False,
              pandoc_from: str = "markdown") -> list[dict]:
    """Every command on one input, alternating ours and Pandoc's, `repeats` times; the median of each."""
    out = work / f"out-{name}"
    markdown = work / f"{name}.md"
    pandoc_markdown(project, markdown)
    css = REPO / "styles" / "print.css"
    editions = {e.name: e for e in load_project(project).config.editions}
    slug = load_project(project).config.slug
    build = [PYTHON, str(REPO / "build.py"), "build", "-q", "--force", "--project", str(project), "--out", str(out)]
    commands = {
        "guidebook: every edition": build,
        "pandoc: PDF (WeasyPrint)": ["pandoc", str(markdown), "-f", pandoc_from, "-s", "--toc", "--pdf-engine=weasyprint", "--css", str(css),
                                      "-o", str(work / f"{name}-pandoc.pdf")],
        "guidebook: PDF (print)": build + ["print"],
        "guidebook: PDF (tagged)": build + ["tagged"],
        "pandoc: EPUB": ["pandoc", str(markdown), "-f", pandoc_from, "-s", "--toc", "-o", str(work / f"{name}-pandoc.epub")],
        "guidebook: EPUB (ebook; renders print for its page-list)": build + ["ebook"],
    }
    if len(editions) <= 3:  # a large book: every edition is the PDFs and the EPUB, measured one by one
        del commands["guidebook: every edition"]
    if "tagged" not in editions:
        del commands["guidebook: PDF (tagged)"]
    if only_pdf:
        commands = {label: command for label, command in commands.items() if "PDF" in label}
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for _ in range(repeats):
        for label, command in commands.items():
            times[label].append(measure(command, env, cold=project if label.startswith("guidebook") else None))
    ours_pdf, their_pdf = out / f"{slug}-print.pdf", work / f"{name}-pandoc.pdf"
    pages = {"guidebook": pages_of(ours_pdf), "pandoc": pages_of(their_pdf)}
    rows = []
    for label, samples in times.items():
        wall = statistics.median(s[0] for s in samples)
        rss = max(s[1] for s in samples)
        tool = label.split(":")[0]
        count = pages[tool] if "PDF" in label else None
        rows.append({"input": name, "command": label, "wall": wall, "rss": rss, "pages": count,
                     "pps": count / wall if count else None})
    return rows


def rebuild_times(project: Path, work: Path, env: dict) -> dict:
    """No-op rebuild, and the rebuild after one sentence of one chapter changed, against a full build."""
    out = work / f"out-rebuild-{project.name}"
    build = [PYTHON, str(REPO / "build.py"), "build", "-q", "--project", str(project), "--out", str(out)]
    full, _ = measure(build + ["--force"], env, cold=project)
    noop, _ = measure(build, env)
    chapter = sorted((project / "chapters").glob("*costs.md"))[len(sorted((project / "chapters").glob("*costs.md"))) // 2]
    text = chapter.read_text(encoding="utf-8")
    edited = text.replace("Clinics usually ask for a deposit", "Clinics often ask for a deposit", 1)
    if edited == text:
        raise SystemExit(f"the sentence to edit is no longer in {chapter.name}: update rebuild_times()")
    chapter.write_text(edited, encoding="utf-8")
    edit, _ = measure(build, env)
    return {"full": full, "noop": noop, "edit": edit, "pages": pages_of(out / f"{load_project(project).config.slug}-print.pdf")}


# One sentence of the guide's costs chapter, edited and edited back (issue 16's edit latency)
GUIDE_EDIT = ("Clinics usually ask for a deposit", "Clinics often ask for a deposit")


def edit_times(work: Path, env: dict) -> dict[str, float]:
    """On a copy of the guide, wall seconds of: Pandoc's one PDF (the fastest of three), every edition built cold,
    every edition again after one sentence of one chapter changed (`build`, a new process), and with `watch`
    running, from the write of the next edit to the end of its rebuild (the "total" line, after the renames)."""
    project = work / "edit-guide"
    shutil.copytree(REPO, project, ignore=shutil.ignore_patterns(".venv", ".cache", "dist", ".git", "bench", "tests"))
    markdown = work / "edit-guide.md"
    pandoc_markdown(project, markdown)
    pandoc = ["pandoc", str(markdown), "-s", "--toc", "--pdf-engine=weasyprint", "--css", str(REPO / "styles" / "print.css"),
              "-o", str(work / "edit-guide-pandoc.pdf")]
    times = {"pandoc": min(measure(pandoc, env)[0] for _ in range(3))}
    build = [PYTHON, str(REPO / "build.py"), "build", "-q", "--project", str(project)]
    times["cold"] = measure(build + ["--force"], env, cold=project)[0]
    chapter = next(p for p in sorted((project / "chapters").glob("*.md")) if GUIDE_EDIT[0] in p.read_text(encoding="utf-8"))

    def edit(old: str, new: str) -> None:
        chapter.write_text(chapter.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")

    edit(*GUIDE_EDIT)
    times["edit"] = measure(build, env)[0]
    watcher = subprocess.Popen([PYTHON, str(REPO / "build.py"), "watch", "--project", str(project)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in watcher.stdout:
            if line.startswith("watching"):
                break
        time.sleep(1)
        started = time.perf_counter()
        edit(*reversed(GUIDE_EDIT))
        for line in watcher.stdout:
            if line.startswith("total"):
                break
        times["watch"] = time.perf_counter() - started
    finally:
        watcher.terminate()
        watcher.wait()
    return times


def edit_targets(edits: dict[str, float]) -> list[str]:
    """Table rows for issue 16's cold build and edit latency, against Pandoc's one PDF of the guide."""
    pandoc = edits["pandoc"]
    rows = []
    for key, text, limit in (("cold", "guide, every edition, cold ≤ 1.0 × Pandoc's one PDF", 1.0),
                             ("edit", "guide, every edition after a one-sentence edit, new process ≤ 0.6 × Pandoc's one PDF", 0.6)):
        share = edits[key] / pandoc
        rows.append(f"| {text} ({edits[key]:.1f} s / {pandoc:.1f} s) | {share:.2f}× | {'PASS' if share <= limit else 'FAIL'} |")
    rows.append(f"| guide, `watch` running: the edited language's editions replaced ≤ 1.0 s after the save | "
                f"{edits['watch']:.2f} s | {'PASS' if edits['watch'] <= 1.0 else 'FAIL'} |")
    return rows


CLINIC_COUNTS = (50, 200, 1000)
BROCHURES = ("brochure", "brochure-zh-hans", "brochure-ar")
CORPUS_EDITIONS = """strict: false
raw_html: escape
editions:
  print: {format: pdf, pdf_variant: none, two_sided: false, margins: 12mm 12mm 12mm 12mm}
"""


def clinic_times(work: Path, env: dict, counts: tuple[int, ...]) -> dict:
    """Wall seconds of the guide's brochure + booklet for one clinic (the fastest of three builds: the reference
    is not inflated by a busy moment) and (wall, peak RSS, CPU) for each count of clinics in a clinic list (for
    50, the build of median wall time of three)."""
    single = clinics.project_with(work / "clinic-one", "{name: Clinic number 1, lines: [1 Teheran-ro, Seoul]}")
    build = clinics.BUILD + ["--project", str(single), "--out", str(work / "out-clinic-one")]
    times = {"one": min(measure(build, env, cold=single)[0] for _ in range(3))}
    for count in counts:
        project = clinics.clinic_list_project(work / f"clinics-{count}", count)
        out = work / f"out-clinics-{count}"
        # the target's count (50: ~9 s) is the median of three builds, as this machine's speed varies by ±1 s
        samples = [measure(clinics.BUILD + ["--project", str(project), "--out", str(out)], env, cold=project, cpu=True)
                   for _ in range(3 if count <= 50 else 1)]
        times[count] = sorted(samples)[len(samples) // 2]
        made = len(list(out.glob("*.pdf")))
        if made != 2 * count:
            raise SystemExit(f"{count} clinics made {made} PDFs, not {2 * count}")
        # Linearity is judged on one process's CPU time. With two workers the first batches share the cores with
        # the brochure's own layout, and processes sharing cores each take more CPU for the same work (a batch of
        # 25 back covers: about 3.0 s beside it, 2.1 s alone), so small counts look dearer per clinic than they are.
        serial = {**env, "GUIDEBOOK_WORKERS": "1"}
        times.setdefault("one process", {})[count] = measure(
            clinics.BUILD + ["--project", str(project), "--out", str(out)], serial, cold=project, cpu=True)[2]
        shutil.rmtree(work / f"clinics-{count}")
        shutil.rmtree(out)  # 1,000 clinics are 2,000 PDFs, half a gigabyte
    return times


def brochure_times(work: Path, env: dict, repeats: int) -> dict[str, float]:
    """Median wall seconds of the guide's brochure in English, Chinese and Arabic, built alternately."""
    build = [PYTHON, str(REPO / "build.py"), "build", "-q", "--force", "--project", str(REPO),
             "--out", str(work / "out-brochures")]
    samples: dict[str, list[float]] = {name: [] for name in BROCHURES}
    for _ in range(repeats):
        for name in BROCHURES:
            samples[name].append(measure(build + [name], env, cold=REPO)[0])
    return {name: statistics.median(values) for name, values in samples.items()}


def corpus_book(work: Path) -> Path:
    """Every document of tests/corpus/ as one chapter of one book, in lenient mode (as tests/test_corpus.py)."""
    project = work / "corpus"
    (project / "chapters").mkdir(parents=True)
    corpus = REPO / "tests" / "corpus"
    with open(corpus / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        files = [row["file"] for row in csv.DictReader(handle, delimiter="\t")]
    listed = []
    for file in files:
        name = re.sub(r"[^A-Za-z0-9]+", "-", file.removesuffix(".md")).strip("-") + ".md"
        shutil.copyfile(corpus / file, project / "chapters" / name)
        listed.append(f"  - chapters/{name}\n")
    (project / "book.yaml").write_text("title: Corpus\nlanguage: en\ndate: 2026-01-01\n" + CORPUS_EDITIONS
                                       + "chapters:\n" + "".join(listed), encoding="utf-8")
    return project


def ratio(rows: list[dict], name: str, ours: str, theirs: str, key: str) -> float:
    pick = {r["command"]: r for r in rows if r["input"] == name}
    return pick[ours][key] / pick[theirs][key]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition; the guide and the 5-copy book only")
    parser.add_argument("--tagged", action="store_true", help="one repetition; the 16-copy book's PDFs only (stdout)")
    parser.add_argument("--workloads", action="store_true",
                        help="the clinic batch, the brochure in three languages and the corpus only (stdout)")
    parser.add_argument("--edits", action="store_true",
                        help="the guide's cold build and edit latency (a new process, watch) only (stdout)")
    args = parser.parse_args()
    if not shutil.which("pandoc"):
        raise SystemExit("pandoc is not installed (apt-get install pandoc)")
    env = dict(os.environ, PATH=f"{Path(PYTHON).parent}:{os.environ['PATH']}")  # Pandoc runs this venv's weasyprint
    work = Path(tempfile.mkdtemp(prefix="guidebook-bench-"))
    if args.tagged:
        rows = run_input(f"{COPIES[-1]} copies", make_large_book(COPIES[-1], work), work, 1, env, only_pdf=True)
        print(format_report(rows, None, machine()))
        shutil.rmtree(work, ignore_errors=True)
        return
    if args.edits:
        print(format_report([], {}, machine(), edits=edit_times(work, env)))
        shutil.rmtree(work, ignore_errors=True)
        return
    if args.workloads:
        rows, brochures, batch = workloads(work, env, args.quick)
        print(format_report(rows, {}, machine(), brochures, batch))
        shutil.rmtree(work, ignore_errors=True)
        return
    inputs = [("guide", REPO, 1 if args.quick else 3)]
    # about 33 pages per copy of the guide's chapters: about 70, 170 and 530 pages
    for copies in [5] if args.quick else COPIES:
        inputs.append((f"{copies} copies", make_large_book(copies, work), 1))
    rows = []
    for name, project, repeats in inputs:
        print(f"benchmarking {name} ...", file=sys.stderr, flush=True)
        rows += run_input(name, project, work, repeats, env)
    largest = inputs[-1][1]
    print(f"rebuild times on {inputs[-1][0]} ...", file=sys.stderr, flush=True)
    rebuild = rebuild_times(largest, work, env)
    more, brochures, batch = workloads(work, env, args.quick)
    print("benchmarking the guide's edit latency ...", file=sys.stderr, flush=True)
    report = format_report(rows + more, rebuild, machine(), brochures, batch, edit_times(work, env))
    print(report)
    (REPO / "bench" / "results.md").write_text(report, encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)


def format_report(rows: list[dict], rebuild: dict, description: str, brochures: dict | None = None,
                  batch: dict | None = None, edits: dict | None = None) -> str:
    lines = ["# Benchmark results", "", f"Machine: {description}", "",
             "| input | command | wall (s) | peak RSS (MB) | PDF pages | pages/s |", "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        pages = "" if r["pages"] is None else str(r["pages"])
        pps = "" if r["pps"] is None else f"{r['pps']:.1f}"
        lines.append(f"| {r['input']} | {r['command']} | {r['wall']:.2f} | {r['rss']:.0f} | {pages} | {pps} |")
    lines += ["", "## Targets", "", "| target | measured | result |", "| --- | --- | --- |"]

    def target(text: str, value: float, limit: float, unit: str = "×") -> None:
        lines.append(f"| {text} | {value:.2f}{unit} | {'PASS' if value <= limit else 'FAIL'} |")

    books = sorted({r["input"] for r in rows if r["input"].endswith("copies")}, key=lambda name: int(name.split()[0]))
    pages = {r["input"]: r["pages"] for r in rows if r["command"] == "guidebook: PDF (print)"}
    if any(r["command"].startswith("guidebook: every") and r["input"] == "guide" for r in rows):
        target("guide, every edition ≤ 1.0 × Pandoc PDF", ratio(rows, "guide", "guidebook: every edition", "pandoc: PDF (WeasyPrint)", "wall"), 1.0)
    if books:
        big = books[-1]
        target(f"{pages[big]} pages, PDF wall ≤ 0.6 × Pandoc", ratio(rows, big, "guidebook: PDF (print)", "pandoc: PDF (WeasyPrint)", "wall"), 0.6)
        target(f"{pages[big]} pages, PDF peak RSS ≤ 0.6 × Pandoc", ratio(rows, big, "guidebook: PDF (print)", "pandoc: PDF (WeasyPrint)", "rss"), 0.6)
        if any(r["command"] == "guidebook: PDF (tagged)" and r["input"] == big for r in rows):
            tagged = "guidebook: PDF (tagged)"
            target(f"{pages[big]} pages tagged (PDF/UA), PDF wall ≤ 0.5 × Pandoc", ratio(rows, big, tagged, "pandoc: PDF (WeasyPrint)", "wall"), 0.5)
            target(f"{pages[big]} pages tagged (PDF/UA), PDF peak RSS ≤ 0.5 × Pandoc", ratio(rows, big, tagged, "pandoc: PDF (WeasyPrint)", "rss"), 0.5)
    per_page = {r["input"]: r["wall"] / r["pages"] for r in rows if r["command"] == "guidebook: PDF (print)" and r["pages"]}
    sized = [k for k in books if k in per_page]
    if len(sized) >= 2:
        flat = per_page[sized[-1]] / per_page[sized[0]]
        lines.append(f"| cost per page flat ({', '.join(f'{pages[k]} pages: {per_page[k]:.3f} s' for k in sized)}) | "
                     f"{flat:.2f}× from smallest to largest | {'PASS' if flat <= 1.15 else 'FAIL'} |")
    if rebuild is None:
        return "\n".join(lines + [""])
    if rebuild:
        target(f"no-op rebuild ≤ 0.3 s ({rebuild['pages']} pages)", rebuild["noop"], 0.3, " s")
        target(f"one-sentence edit ≤ 30 % of a full build ({rebuild['pages']} pages, full {rebuild['full']:.1f} s)",
               rebuild["edit"] / rebuild["full"], 0.30)
    if any(r["input"] == "corpus" for r in rows):
        corpus_pages = next(r["pages"] for r in rows if r["input"] == "corpus" and r["command"] == "guidebook: PDF (print)")
        target(f"real-world corpus as one book ({corpus_pages} pages), PDF wall ≤ 0.5 × Pandoc",
               ratio(rows, "corpus", "guidebook: PDF (print)", "pandoc: PDF (WeasyPrint)", "wall"), 0.5)
        target(f"real-world corpus as one book, PDF peak RSS ≤ 0.5 × Pandoc",
               ratio(rows, "corpus", "guidebook: PDF (print)", "pandoc: PDF (WeasyPrint)", "rss"), 0.5)
    if brochures:
        english = brochures["brochure"]
        for name, language in (("brochure-zh-hans", "Chinese"), ("brochure-ar", "Arabic")):
            target(f"brochure in {language} ≤ 1.5 × the English one ({brochures[name]:.2f} s / {english:.2f} s)",
                   brochures[name] / english, 1.5)
    lines.extend(clinic_targets(batch) if batch else [])
    lines.extend(edit_targets(edits) if edits else [])
    lines += ["", "The clinic batch builds the guide's brochure and its booklet (one PDF of each per clinic) from a",
              "generated clinic list; a one-clinic build is the same two files from a `branding:` mapping, and",
              "fifty of them are what fifty one-clinic builds would cost. The brochures in other languages are",
              "the guide's own (`brochure-zh-hans`, `brochure-ar`: their chapters, Noto CJK and Arabic fonts).",
              "The corpus is tests/corpus/ as one book in lenient mode, as tests/test_corpus.py builds it;",
              "Pandoc reads it as GitHub Markdown (`-f gfm`: its own Markdown reader took over ten minutes).", ""]
    lines += ["Pandoc gets the same chapters as one Markdown file (data tables expanded by our Jinja step as HTML),",
              "`--toc`, and `styles/print.css`; its PDF has no page-numbered contents, no running heads and no",
              "chapter page breaks, so it makes fewer pages. The large books' print edition uses `pdf_variant: none`",
              "(like Pandoc's untagged output), their tagged edition PDF/UA-1; both take the parts engine. The",
              "EPUB-alone build also lays out the print edition, whose page numbers its page-list follows.", ""]
    return "\n".join(lines)


def workloads(work: Path, env: dict, quick: bool) -> tuple[list[dict], dict, dict]:
    """The corpus rows, the brochures' times by language, the clinic batch's times."""
    print("benchmarking the real-world corpus as one book ...", file=sys.stderr, flush=True)
    # GitHub's Markdown (what the corpus is written in): Pandoc's own Markdown reader took over ten minutes on it
    rows = run_input("corpus", corpus_book(work), work, 1, env, only_pdf=True, pandoc_from="gfm")
    print("benchmarking the brochure in English, Chinese and Arabic ...", file=sys.stderr, flush=True)
    brochures = brochure_times(work, env, 1 if quick else 3)
    counts = CLINIC_COUNTS[:1] if quick else CLINIC_COUNTS
    print(f"benchmarking the clinic batch ({', '.join(map(str, counts))} clinics) ...", file=sys.stderr, flush=True)
    return rows, brochures, clinic_times(work, env, counts)


def clinic_targets(batch: dict) -> list[str]:
    """Table rows for the clinic batch: 50 clinics against 10 s and against fifty one-clinic builds, and the cost
    per clinic between the measured counts (linear: the later steps cost no more per clinic than the first)."""
    one = batch["one"]
    counts = sorted(k for k in batch if isinstance(k, int))
    rows = []
    wall = {count: batch[count][0] for count in counts}
    if 50 in wall:
        rows.append(f"| clinic batch, 50 clinics ≤ 10 s (CPU {batch[50][2]:.1f} s, peak RSS {batch[50][1]:.0f} MB) | {wall[50]:.2f} s | "
                    f"{'PASS' if wall[50] <= 10 else 'FAIL'} |")
        share = wall[50] / (50 * one)
        rows.append(f"| clinic batch, 50 clinics ≤ 0.2 × fifty one-clinic builds (one: {one:.2f} s) | {share:.3f}× | "
                    f"{'PASS' if share <= 0.2 else 'FAIL'} |")
    steps = [(a, b, (wall[b] - wall[a]) / (b - a)) for a, b in zip(counts, counts[1:])]
    for a, b, per in steps:
        rows.append(f"| clinic batch, {b} clinics: {wall[b]:.1f} s (CPU {batch[b][2]:.1f} s, peak RSS {batch[b][1]:.0f} MB) | "
                    f"{per:.3f} s per clinic from {a} to {b} | |")
    if len(steps) >= 2:
        # judged on the CPU time of one-process builds (clinic_times says why): the work done per clinic
        alone = batch["one process"]
        cpu = [(alone[b] - alone[a]) / (b - a) for a, b in zip(counts, counts[1:])]
        growth = cpu[-1] / cpu[0]
        rows.append(f"| clinic batch linear in the count: CPU per clinic {counts[-2]}→{counts[-1]} ≤ 1.25 × "
                    f"{counts[0]}→{counts[1]}, one process ({cpu[0]:.3f} s, {cpu[-1]:.3f} s; CPU "
                    + ", ".join(f"{alone[c]:.1f}" for c in counts) + f" s; two workers' wall: "
                    f"{steps[-1][2] / steps[0][2]:.2f}×) | {growth:.2f}× | {'PASS' if growth <= 1.25 else 'FAIL'} |")
    return rows


if __name__ == "__main__":
    main()
