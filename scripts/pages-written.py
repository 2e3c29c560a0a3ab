#!/usr/bin/env python3
"""Which tables and indexes a piece of work wrote to: the database file's pages before and after.

    scripts/pages-written.py snapshot DB HASHES   # before: an 8-byte hash of every page
    ... the work (e.g. `pantau poll --once` into DB) ...
    scripts/pages-written.py diff DB HASHES       # after: changed and new pages per B-tree

Both steps need the database closed and checkpointed (no `-wal` file with frames in it): a
store that `pantau` closed cleanly is. The diff names each page's table or index through SQLite's
`dbstat` (Python's sqlite3 module must have it; Debian's does) and prints, per B-tree, the pages
that changed, its pages in all, and the share written; a B-tree that took random inserts shows
about one page per inserted row, one that was appended to a few pages. Pages that became free
are counted under "(free)". Reading a 9 GB store takes about 15 s each way.
"""
import hashlib
import os
import sqlite3
import sys
from collections import Counter


def page_size(path):
    with open(path, "rb") as f:
        header = f.read(100)
    if header[:16] != b"SQLite format 3\x00":
        sys.exit(f"pages-written: {path} is not an SQLite database")
    size = int.from_bytes(header[16:18], "big")
    return 65536 if size == 1 else size


def hashes(path):
    """An 8-byte BLAKE2b digest of every page, in page order."""
    size = page_size(path)
    wal = path + "-wal"
    if os.path.exists(wal) and os.path.getsize(wal) > 0:
        sys.exit(f"pages-written: {wal} holds frames; close the store (or checkpoint it) first")
    out = bytearray()
    with open(path, "rb") as f:
        while page := f.read(size):
            out += hashlib.blake2b(page, digest_size=8).digest()
    return bytes(out)


def btrees(path):
    """Page number → the name of the table or index it belongs to."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT pageno, name FROM dbstat"))
    except sqlite3.OperationalError as e:
        sys.exit(f"pages-written: this Python's SQLite has no dbstat ({e})")
    finally:
        conn.close()


def diff(path, before):
    after = hashes(path)
    names = btrees(path)
    changed = Counter()
    for i in range(0, len(after), 8):
        if after[i:i + 8] != before[i:i + 8]:
            changed[names.get(i // 8 + 1, "(free)")] += 1
    total = Counter(names.values())
    print(f"{len(before) // 8:,} pages before, {len(after) // 8:,} after, "
          f"{sum(changed.values()):,} written (page size {page_size(path)} B)")
    print("| table or index | pages written | its pages | share written |")
    print("|---|---:|---:|---:|")
    for name, n in changed.most_common():
        whole = total.get(name, 0)
        share = f"{100 * n / whole:.1f} %" if whole else ""
        print(f"| {name} | {n:,} | {whole:,} | {share} |")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("snapshot", "diff"):
        sys.exit(__doc__)
    command, db, saved = sys.argv[1:]
    if command == "snapshot":
        with open(saved, "wb") as f:
            f.write(hashes(db))
    else:
        with open(saved, "rb") as f:
            diff(db, f.read())


if __name__ == "__main__":
    main()
