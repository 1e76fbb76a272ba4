"""A fix for WeasyPrint 70's line breaking: a text that fits but for its final space was cut after one word.

WeasyPrint lays each run of text out with Pango, which lets a line's trailing space hang past the edge (as CSS
says it should), and then measures the line itself with that space included. When a run such as "a laboratory,
and then injected into the knee joint. The doctor often uses " (followed by a <strong>) fits only because its
last space hangs, WeasyPrint decides the run does not fit, finds no earlier break to improve on, and keeps
just the first word: "prepared in" / "a" / "laboratory, …" in the ragged-right brochure. Ragged text shows it;
justified text hides it because its lines are measured differently.

The patch: when WeasyPrint ends a line after the first word of a run that fits once its trailing spaces are
left out, lay the run out again without them and keep the whole run on the line. The spaces still separate
the run from what follows (WeasyPrint strips a line's trailing spaces itself), so nothing else changes.
tests/test_brochure.py measures every ragged line of a brochure against the word that follows it.
"""
from __future__ import annotations

_PATCHED = False


def patch_line_breaking() -> None:
    """Install the fix in weasyprint.layout.inline (idempotent; call before laying out)."""
    global _PATCHED
    if _PATCHED:
        return
    import weasyprint.layout.inline as inline
    from weasyprint.text import line_break

    original = line_break.split_first_line

    def split_first_line(text, style, context, max_width, justification_spacing, is_line_start=True,
                         minimum=False):
        result = original(text, style, context, max_width, justification_spacing, is_line_start, minimum)
        resume = result[2]
        stripped = text.rstrip(" ")
        if (resume is None or max_width is None or stripped == text or not stripped
                or style["white_space"] not in ("normal", "nowrap", "pre-line")):
            return result
        whole = original(stripped, style, context, max_width, justification_spacing, is_line_start, minimum)
        if whole[2] is not None or whole[3] > max_width:
            return result  # the run really does not fit: keep WeasyPrint's break
        # the whole run fits with its spaces hanging: keep it on this line, spaces included
        return original(text, style, context, None, justification_spacing, is_line_start, minimum)

    inline.split_first_line = split_first_line
    _PATCHED = True
