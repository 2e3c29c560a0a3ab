#!/usr/bin/env python3
"""The driver of scripts/bench-scale.sh (read that file first: what it measures and why)."""

import argparse
import datetime
import email.utils
import functools
import glob
import http.server
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

TOKEN = "bench-scale-token"
# The writer's lines (`src/store/writer.rs`), at debug: what each commit and each step behind
# the commit took.
COMMIT = re.compile(r"batch committed.*?took_us=(\d+)")
PLACED = re.compile(r"indexed and placed.*?took_us=(\d+)")
CALL = re.compile(r"call ran.*?took_us=(\d+)")
PAGES_WRITTEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pages-written.py")
# Pushed texts carry words of the shipped topics and regions, so the pushed posts are tagged.
TOPIC_WORDS = ["banjir", "jalan rusak", "listrik padam", "harga sembako", "karhutla", "stunting",
               "tambang ilegal", "air bersih", "DBD", "sekolah rusak"]
PLACES = ["Samarinda", "Balikpapan", "Bontang", "Kutai Kartanegara", "Berau", "Paser", "Sangatta"]


def say(*args):
    print(*args, file=sys.stderr, flush=True)


def serve(www):
    """Serves `www` on a free loopback port in a thread; returns its address."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=www))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def later(shift):
    """A `<pubDate>` substitution that moves the date `shift` later."""
    def move(m):
        when = email.utils.parsedate_to_datetime(m.group(1)) + shift
        return f"<pubDate>{email.utils.format_datetime(when)}</pubDate>"
    return move


def round_feeds(corpus, www, r, shift):
    """The corpus's 20 feeds with new item ids, links and texts for round `r`, in www/r<r>/,
    their dates moved `shift` later."""
    out = f"{www}/r{r}"
    os.makedirs(out, exist_ok=True)
    for path in sorted(glob.glob(f"{corpus}/feed_*.xml")):
        text = open(path, encoding="utf-8").read()
        text = re.sub(r"<pubDate>([^<]+)</pubDate>", later(shift), text)
        text = re.sub(r"(<guid[^>]*>)([^<]+)</guid>", rf"\1\2-r{r}</guid>", text)
        text = re.sub(r"<link>(https://[^<]+/\d+/\d+)</link>", rf"<link>\1?putaran={r}</link>", text)
        text = text.replace("<![CDATA[<p>", f"<![CDATA[<p>Putaran {r}. ")
        open(f"{out}/{os.path.basename(path)}", "w", encoding="utf-8").write(text)
    return sorted(glob.glob(f"{out}/feed_*.xml"))


def config(path, storage, keywords, extra=""):
    with open(path, "w") as f:
        f.write(f"[storage]\npath = \"{storage}\"\n\n[keywords]\ndir = \"{keywords}\"\n\n"
                "[fetch]\nallow_private = [\"127.0.0.1\"]\n\n[log]\nlevel = \"warn\"\n\n"
                f"[briefing]\ndir = \"{os.path.dirname(path)}/briefings\"\n\n{extra}")
    return path


def quantiles(micros):
    if not micros:
        return "none"
    xs = sorted(micros)
    q = lambda p: xs[min(len(xs) - 1, int(p * len(xs)))] / 1000
    return f"{len(xs)} × p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms, max {xs[-1] / 1000:.1f} ms"


def count_posts(db):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    finally:
        conn.close()


def poll_round(args, base, r, storage, label):
    """`pantau poll --once` of round r's feeds into `storage`: wall time and the writer's lines."""
    feeds = round_feeds(args.corpus, f"{args.work}/www", r, args.shift)
    sources = "".join(
        f"[[sources]]\nid = \"umpan-{i:02d}\"\nkind = \"feed\"\nurl = \"{base}/r{r}/{os.path.basename(f)}\"\n\n"
        for i, f in enumerate(feeds))
    cfg = config(f"{args.work}/{label}.toml", storage, args.keywords, sources)
    before = count_posts(storage) if os.path.exists(storage) else 0
    env = {**os.environ, "NO_COLOR": "1", "RUST_LOG": "warn,pantau::store::writer=debug"}
    start = time.perf_counter()
    done = subprocess.run([args.bin, "--config", cfg, "poll", "--once"], capture_output=True,
                          text=True, env=env)
    wall = time.perf_counter() - start
    if done.returncode != 0 or " 0 gagal" not in done.stdout:
        sys.exit(f"bench-scale: poll --once into {label} failed\n{done.stdout}\n{done.stderr[-3000:]}")
    stored = count_posts(storage) - before
    if stored != 10_000:
        sys.exit(f"bench-scale: {label} stored {stored:,} posts, not 10,000")
    commits = [int(m.group(1)) for m in COMMIT.finditer(done.stderr)]
    placed = [int(m.group(1)) for m in PLACED.finditer(done.stderr)]
    return wall, commits, placed


def writes(args, big):
    say(f"\n== writes: poll --once of 10,000 new posts, {args.rounds} rounds, fresh store and {big}; "
        f"dated {args.dated} the store's days (DATED)")
    base = serve(f"{args.work}/www")
    walls = {"fresh": [], "big": []}
    lines = {"fresh": ([], []), "big": ([], [])}
    first_big = None
    for r in range(1, args.rounds + 1):
        for which in (["fresh", "big"] if r % 2 else ["big", "fresh"]):
            if which == "fresh":
                storage = f"{args.work}/fresh/pantau.db"
                shutil.rmtree(f"{args.work}/fresh", ignore_errors=True)
                os.makedirs(f"{args.work}/fresh")
            else:
                storage = big
            # PAGES=1: which tables and indexes the first round into the big store writes.
            pages = which == "big" and first_big is None and os.environ.get("PAGES") == "1"
            if pages:
                subprocess.run([PAGES_WRITTEN, "snapshot", storage, f"{args.work}/pages.before"],
                               check=True)
            wall, commits, placed = poll_round(args, base, r, storage, which)
            if pages:
                say(f"pages the first round wrote into {args.size_label}:")
                subprocess.run([PAGES_WRITTEN, "diff", storage, f"{args.work}/pages.before"],
                               check=True, stdout=sys.stderr)
            walls[which].append(wall)
            lines[which][0].extend(commits)
            lines[which][1].extend(placed)
            if which == "big" and first_big is None:
                first_big = (wall, commits, placed)
            say(f"round {r} {which}: {wall:.3f} s; commits {quantiles(commits)}; "
                f"indexed and placed {quantiles(placed)}")
    med = {k: statistics.median(v) for k, v in walls.items()}
    print(f"\n| store | poll --once of 10,000 posts, per round (s) | median | commits (writer) | indexed and placed |")
    print("|---|---|---:|---|---|")
    for k, name in (("fresh", "fresh"), ("big", f"{args.size_label}")):
        print(f"| {name} | {', '.join(f'{w:.3f}' for w in walls[k])} | {med[k]:.3f} s | "
              f"{quantiles(lines[k][0])} | {quantiles(lines[k][1])} |")
    print(f"\n{args.size_label} / fresh: {med['big'] / med['fresh']:.2f}× the time (median); "
          f"the first round after the bulk load: {first_big[0]:.3f} s, "
          f"{first_big[0] / med['fresh']:.2f}× the fresh median; its commits {quantiles(first_big[1])}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pusher:
    """POSTs `rate` posts a second to /api/ingest from 5 threads, each 2 requests a second, until
    stopped (several, so one slow answer does not lower the rate)."""

    THREADS, PER_SECOND = 5, 2

    def __init__(self, url, rate, texts):
        self.url, self.texts = url, texts
        self.per_request = max(1, rate // (self.THREADS * self.PER_SECOND))
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent = self.new = self.errors = 0
        self.seconds = 0.0
        self.threads = [threading.Thread(target=self.push, args=(k,), daemon=True)
                        for k in range(self.THREADS)]

    def start(self):
        self.started = time.monotonic()
        for t in self.threads:
            t.start()

    def join(self):
        for t in self.threads:
            t.join()
        self.seconds = time.monotonic() - self.started

    def push(self, k):
        tick, n = 0, k * 10_000_000
        while not self.stop.is_set():
            lines = []
            for _ in range(self.per_request):
                t = self.texts[n % len(self.texts)]
                words = f"{TOPIC_WORDS[n % len(TOPIC_WORDS)]} di {PLACES[n % len(PLACES)]}"
                lines.append(json.dumps({"source": f"muat-{n % 10}", "id": f"muat-{n}",
                                         "text": f"{words}. {t} (#{n})"}, ensure_ascii=False))
                n += 1
            body = ("\n".join(lines) + "\n").encode()
            req = urllib.request.Request(self.url, data=body, method="POST", headers={
                "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"})
            new, failed = 0, 0
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    new = json.load(resp).get("new", 0)
            except Exception as e:  # the figure reports errors; the load goes on
                failed = 1
                say(f"push failed: {e}")
            with self.lock:
                self.sent += self.per_request
                self.new += new
                self.errors += failed
            tick += 1
            self.stop.wait(max(0.0, self.started + tick / self.PER_SECOND - time.monotonic()))


def ab(url, concurrency, seconds=None, requests=None):
    cmd = ["ab", "-q", "-c", str(concurrency)]
    cmd += ["-t", str(seconds), "-n", "1000000"] if seconds else ["-n", str(requests)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip()[-300:]}
    text = out.stdout
    grab = lambda pat, default="0": (re.search(pat, text) or [None, default])[1]
    pct = dict(re.findall(r"^\s+(\d+)%\s+(\d+)", text, re.M))
    return {"done": int(grab(r"Complete requests:\s+(\d+)")),
            # ab counts a body whose length differs from the first one's as failed: pages
            # change as posts arrive, so only connection, receive and other errors count.
            "failed": sum(int(grab(rf"{k}: (\d+)")) for k in ("Connect", "Receive", "Exceptions")),
            "non2xx": int(grab(r"Non-2xx responses:\s+(\d+)")),
            "rps": float(grab(r"Requests per second:\s+([\d.]+)")),
            "p50": int(pct.get("50", 0)), "p95": int(pct.get("95", 0)),
            "p99": int(pct.get("99", 0)), "max": int(pct.get("100", 0))}


def reads(args, big, day):
    port = free_port()
    cfg = config(f"{args.work}/run.toml", big, args.keywords,
                 f"[http]\nbind = \"127.0.0.1:{port}\"\ntoken = \"{TOKEN}\"\n")
    log_path = f"{args.work}/run.log"
    # The busy day's last minutes, WITA (15:50 UTC), so the dashboard's last 24 hours are that
    # day and the pushed posts are the newest; the monotonic clock stays real so timers keep
    # their length.
    env = {**os.environ, "NO_COLOR": "1", "RUST_LOG": "warn,pantau::store::writer=debug",
           "FAKETIME_DONT_FAKE_MONOTONIC": "1", "FAKETIME_DONT_RESET": "1"}
    log = open(log_path, "w")
    # Its own process group: faketime runs pantau as a child, and the stop must reach both.
    proc = subprocess.Popen(["faketime", "-f", f"@{day} 15:50:00", args.bin, "--config", cfg, "run"],
                            stdout=log, stderr=log, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except Exception:
                if proc.poll() is not None:
                    sys.exit(f"bench-scale: pantau run exited\n{open(log_path).read()[-3000:]}")
                time.sleep(0.5)
        urls = [("the dashboard, `/`", "/"),
                ("a topic's page, `/?topic=banjir`", "/?topic=banjir"),
                ("`/api/trends?window=24h`", "/api/trends?window=24h"),
                ("`/api/posts?q=banjir` (full text, newest first)", "/api/posts?q=banjir")]
        say(f"\n== reads: pantau run on {big}, clock at {day} 23:50 WITA")
        alone = {}
        for name, path in urls:
            ab(base + path, 1, requests=2)  # warm
            alone[path] = ab(base + path, 1, requests=10)
            say(f"alone {path}: {alone[path]}")
        texts = [re.sub(r"<[^>]+>", " ", m) for f in sorted(glob.glob(f"{args.corpus}/feed_*.xml"))
                 for m in re.findall(r"<!\[CDATA\[(.*?)\]\]>", open(f, encoding="utf-8").read(), re.S)]
        pusher = Pusher(f"{base}/api/ingest", args.rate, texts)
        log.flush()
        offset = os.path.getsize(log_path)
        pusher.start()
        time.sleep(5)
        loaded = {}
        for name, path in urls:
            loaded[path] = ab(base + path, args.readers, seconds=args.read_secs)
            say(f"under load {path}: {loaded[path]}")
        pusher.stop.set()
        pusher.join()
        with open(log_path) as f:
            f.seek(offset)
            during = f.read()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=120)
        log.close()
    print(f"\nReads, {args.readers} concurrent readers for {args.read_secs} s each (ab), while "
          f"{pusher.sent:,} posts were pushed in {pusher.seconds:.0f} s "
          f"({pusher.sent / pusher.seconds:,.0f} a second, {pusher.new:,} new, {pusher.errors} failed pushes); "
          f"alone: one reader, 10 requests")
    print("| page | alone p50 | requests/s | p50 | p95 | p99 | max | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, path in urls:
        a, l = alone[path], loaded[path]
        if "error" in l:
            print(f"| {name} | {a.get('p50', '-')} ms | ab failed: {l['error']} |")
            continue
        print(f"| {name} | {a.get('p50', '-')} ms | {l['rps']:.1f} | {l['p50']} ms | {l['p95']} ms | "
              f"{l['p99']} ms | {l['max']} ms | {l['failed'] + l['non2xx']} of {l['done']} |")
    print(f"\nThe writer during the reads: pushes and other calls {quantiles([int(x) for x in CALL.findall(during)])}; "
          f"poll commits {quantiles([int(x) for x in COMMIT.findall(during)])}; "
          f"indexed and placed {quantiles([int(x) for x in PLACED.findall(during)])}")


def digest(args, big, day):
    cfg = config(f"{args.work}/digest.toml", big, args.keywords)
    out = f"{args.work}/briefing"
    shutil.rmtree(out, ignore_errors=True)
    walls = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([args.bin, "--config", cfg, "digest", "--date", day, "--out", out],
                       check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
    print(f"\n`pantau digest --date {day}` on {args.size_label}: "
          f"{', '.join(f'{w:.3f}' for w in walls)} s (median {statistics.median(walls):.3f} s)")


def main():
    p = argparse.ArgumentParser()
    for a in ("bin", "installation", "day", "corpus", "keywords", "work"):
        p.add_argument(f"--{a}", required=True)
    args = p.parse_args()
    args.rounds = int(os.environ.get("ROUNDS", 3))
    args.rate = int(os.environ.get("INGEST_RATE", 500))
    args.readers = int(os.environ.get("READERS", 20))
    args.read_secs = int(os.environ.get("READ_SECS", 20))
    # DATED=after (default) dates the written posts after the store's last day, as a running
    # service's new posts are: the corpus's dates (2026-10-27 … 11-01) move to the days after
    # the busy day. DATED=inside keeps them, inside the store's 50 days, as a backfill's are.
    args.dated = os.environ.get("DATED", "after")
    if args.dated not in ("after", "inside"):
        sys.exit(f"bench-scale: DATED={args.dated}: give after or inside")
    day = datetime.date.fromisoformat(args.day)
    args.shift = (datetime.timedelta(days=(day - datetime.date(2026, 10, 27)).days + 1)
                  if args.dated == "after" else datetime.timedelta(0))
    source = f"{args.installation}/data/pantau.db"
    posts = count_posts(source)
    args.size_label = f"a {posts / 1e6:.1f}M-post store"
    big = f"{args.work}/big/pantau.db"
    say(f"copying {source} ({os.path.getsize(source) / 1e9:.1f} GB, {posts:,} posts) to {big}")
    shutil.rmtree(f"{args.work}/big", ignore_errors=True)
    os.makedirs(f"{args.work}/big")
    shutil.copyfile(source, big)
    # The copy's pages written out first, so the first writes do not share the disk with them.
    os.sync()
    say(f"load: {os.getloadavg()}")
    parts = os.environ.get("PARTS", "writes,reads,digest").split(",")
    if "writes" in parts:
        writes(args, big)
    if "reads" in parts:
        reads(args, big, args.day)
    if "digest" in parts:
        digest(args, big, args.day)
    say(f"load: {os.getloadavg()}")


if __name__ == "__main__":
    main()
