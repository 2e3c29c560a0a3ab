#!/usr/bin/env python3
"""Compares the entries Pantau reads from feed files with those Python's feedparser reads.

A development check, not part of CI (feedparser is not a dependency of the project):

    pip install feedparser
    cargo build
    python3 scripts/feeds-vs-feedparser.py [target/debug/pantau] [FEED.xml ...]

By default every file in tests/fixtures/feeds/ is read. Each file becomes a `file://` source
of a temporary project; `pantau poll --once` reads them all, and the titles and links stored
per source are compared with feedparser's. Prints one line per feed and exits 1 when a feed
that feedparser reads entries from gives Pantau other entries (or none).
"""

import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import feedparser

REPO = Path(__file__).resolve().parent.parent


def pantau_entries(binary, feeds):
    """{feed file: set of (title, link)} as `pantau poll --once` stores them."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "config").mkdir()
        sources = "".join(
            f'[[sources]]\nid = "f{i}"\nkind = "feed"\nurl = "{feed.resolve().as_uri()}"\n\n'
            for i, feed in enumerate(feeds)
        )
        config = tmp / "config/default.toml"
        config.write_text(
            f'[keywords]\ndir = "{REPO / "keywords"}"\n\n[storage]\npath = "{tmp / "pantau.db"}"\n\n'
            + sources
        )
        run = subprocess.run(
            [binary, "--config", str(config), "poll", "--once"],
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        if run.stderr.strip():
            print(run.stderr.strip(), file=sys.stderr)
        db = sqlite3.connect(tmp / "pantau.db")
        found = {feed: set() for feed in feeds}
        for source, title, url in db.execute("SELECT source_id, title, url FROM posts"):
            found[feeds[int(source[1:])]].add((title or "", url or ""))
        return found


def feedparser_entries(feed):
    """feedparser's (title, link) pairs, titles as plain text as Pantau stores them."""
    parsed = feedparser.parse(feed.read_bytes())
    plain = lambda t: " ".join(re.sub(r"<[^>]+>", "", t).split())
    return {(plain(e.get("title", "")), e.get("link", "")) for e in parsed.entries}


def main():
    args = sys.argv[1:]
    binary = args.pop(0) if args and not args[0].endswith(".xml") else str(REPO / "target/debug/pantau")
    binary = os.environ.get("PANTAU_BIN", binary)
    feeds = [Path(a) for a in args] or sorted((REPO / "tests/fixtures/feeds").glob("*.xml"))
    ours = pantau_entries(binary, feeds)
    differ = 0
    for feed in feeds:
        theirs = feedparser_entries(feed)
        mine = ours[feed]
        if theirs == mine:
            verdict = "sama"
        elif {t for t, _ in theirs} == {t for t, _ in mine} and len(theirs) == len(mine):
            verdict = "judul sama, tautan beda"
        else:
            verdict = "BEDA"
        if theirs and verdict == "BEDA":
            differ += 1
        print(f"{feed.name:32} feedparser {len(theirs):3}  pantau {len(mine):3}  {verdict}")
        if verdict != "sama":
            for entry in sorted(theirs - mine):
                print(f"    hanya feedparser: {entry}")
            for entry in sorted(mine - theirs):
                print(f"    hanya pantau:     {entry}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
