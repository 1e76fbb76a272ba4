#!/usr/bin/env python3
"""Entry point: `python build.py build [EDITION ...]` (see `python build.py --help`)."""
from book.cli import run

if __name__ == "__main__":
    run()
