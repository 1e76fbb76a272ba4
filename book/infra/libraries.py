"""A quicker `ctypes.util.find_library` for WeasyPrint's import.

WeasyPrint (text/ffi.py) opens GObject, Pango, HarfBuzz and fontconfig by trying each library's Windows and
macOS names before the Linux one, and cffi hands every name without a dot to `ctypes.util.find_library`, which
on Linux runs `ldconfig -p`, then gcc, then ld for each: 21 failing lookups, 0.4 s of every process that imports
WeasyPrint (a build, an edit's rebuild). This one answers from the folders in LD_LIBRARY_PATH and from
ldconfig's cache, read once: ctypes' own first step; it leaves out the compiler and linker probes, which only
find libraries that neither knows.
"""
from __future__ import annotations

import ctypes.util
import functools
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

CTYPES_FIND_LIBRARY = ctypes.util.find_library  # the original, for the tests to compare with
# ctypes.util's names for the ABI that ldconfig's cache lists beside each library
_ABI = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
        "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}


@functools.lru_cache(maxsize=1)
def _ldconfig_cache() -> str:
    try:
        return subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, timeout=20,
                              env={"LC_ALL": "C", "LANG": "C"}).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def find_library(name: str) -> str | None:
    """The library `name` (as in `-lname`): a file in LD_LIBRARY_PATH, else its soname in ldconfig's cache."""
    for folder in filter(None, os.environ.get("LD_LIBRARY_PATH", "").split(":")):
        found = sorted(Path(folder).glob(f"lib{name}.so*"))
        if found:
            return str(found[0])
    abi = _ABI.get(f"{os.uname().machine}-{struct.calcsize('l') * 8}", "libc6")
    match = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(abi)}", _ldconfig_cache())
    return match.group(1) if match else None


def quicker_library_lookup() -> None:
    """Use find_library above in this process (Linux only: elsewhere ctypes' own has no slow probes to skip)."""
    if sys.platform.startswith("linux") and Path("/sbin/ldconfig").exists():
        ctypes.util.find_library = find_library
