"""A PDF that differs from another in a few objects, written as that PDF's bytes plus an incremental update
(ISO 32000-1, 7.5.6): the new and changed objects and a cross-reference stream pointing back at the original.

A clinic's brochure differs from the shared one in its back cover only; saving the whole file again (qpdf
serialising and compressing its ~2,700 objects) cost 30 ms a file, most of a clinic's time. The original must
not hold anything one clinic's file should not show another clinic: the swappers start from a copy whose back
cover is blank (book/render/backcover.py, book/render/impose.py).
"""
from __future__ import annotations

import hashlib
import io
import re
import zlib

import pikepdf

STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


class UpdatablePdf:
    """`pdf`, opened from `base`; `updated(changed)` gives `base` plus an update holding the objects of `changed`
    (objects of the original changed in place) and every object created since that they refer to."""

    def __init__(self, base: bytes):
        found = STARTXREF.search(base[-1024:])
        if found is None:
            raise ValueError("not a PDF ending in startxref and %%EOF")
        self.base, self.previous_xref = base, int(found.group(1))
        self.pdf = pikepdf.open(io.BytesIO(base))
        self.size = int(self.pdf.trailer.Size)  # objects numbered from here on are new

    def updated(self, changed: list[pikepdf.Object]) -> bytes:
        objects = self._objects_to_write([o for o in changed if o.is_indirect])
        out = io.BytesIO()
        out.write(self.base if self.base.endswith(b"\n") else self.base + b"\n")
        offsets = {}
        for number in sorted(objects):
            obj = objects[number]
            offsets[number] = (out.tell(), obj.objgen[1])
            out.write(b"%d %d obj\n" % obj.objgen)
            if isinstance(obj, pikepdf.Stream):
                raw = obj.read_raw_bytes()
                header = pikepdf.Dictionary({k: v for k, v in obj.stream_dict.items() if k != "/Length"})
                header.Length = len(raw)
                out.write(header.unparse() + b"\nstream\n" + raw + b"\nendstream\nendobj\n")
            else:
                out.write(obj.unparse(resolved=True) + b"\nendobj\n")
        self._write_xref(out, offsets)
        return out.getvalue()

    def _objects_to_write(self, changed: list[pikepdf.Object]) -> dict[int, pikepdf.Object]:
        """`changed`, and the objects created since opening that they lead to, by object number."""
        found = {}
        stack = list(changed)
        changed_numbers = {o.objgen[0] for o in changed}
        while stack:
            obj = stack.pop()
            number = obj.objgen[0]
            if number in found:
                continue
            found[number] = obj
            for ref in _references(obj):
                if ref.objgen[0] >= self.size or ref.objgen[0] in changed_numbers:
                    stack.append(ref)
        return found

    def _write_xref(self, out: io.BytesIO, offsets: dict[int, tuple[int, int]]) -> None:
        """A cross-reference stream for `offsets` (type 1 entries), with the trailer's keys and /Prev."""
        # objects made since opening and left unreferenced (an earlier clinic's) are not in the file: no clash
        xref_number = max([self.size - 1, *offsets]) + 1
        offsets[xref_number] = (out.tell(), 0)
        numbers = sorted(offsets)
        index, rows = [], b""
        for number in numbers:
            if index and index[-2] + index[-1] == number:
                index[-1] += 1
            else:
                index += [number, 1]
            offset, generation = offsets[number]
            rows += b"\x01" + offset.to_bytes(4, "big") + generation.to_bytes(2, "big")
        trailer = self.pdf.trailer
        first_id = bytes(trailer.ID[0]) if "/ID" in trailer else hashlib.md5(self.base).digest()
        data = zlib.compress(rows)
        header = pikepdf.Dictionary(
            Type=pikepdf.Name.XRef, Size=xref_number + 1, Prev=self.previous_xref, W=pikepdf.Array([1, 4, 2]),
            Index=pikepdf.Array(index), Filter=pikepdf.Name.FlateDecode, Length=len(data), Root=trailer.Root,
            # the same document (first part), changed (second part: from the update's own bytes, so reproducible)
            ID=pikepdf.Array([pikepdf.String(first_id),
                              pikepdf.String(hashlib.md5(out.getvalue()[len(self.base):]).digest())]))
        if "/Info" in trailer:
            header.Info = trailer.Info
        out.write(b"%d 0 obj\n" % xref_number + header.unparse() + b"\nstream\n" + data + b"\nendstream\nendobj\n")
        out.write(b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number][0])


def _references(obj: pikepdf.Object):
    """The indirect objects `obj`'s value refers to (not looking inside them)."""
    stack = list(_kids(obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj))
    while stack:
        item = stack.pop()
        if not isinstance(item, pikepdf.Object):  # numbers, booleans: Python values
            continue
        if item.is_indirect:
            yield item
        else:
            stack.extend(_kids(item))


def _kids(item: pikepdf.Object):
    if isinstance(item, pikepdf.Dictionary):
        return item.values()
    if isinstance(item, pikepdf.Array):
        return list(item)
    return ()
