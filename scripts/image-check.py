#!/usr/bin/env python3
"""Rehearses the Docker image without a container engine: builds it as its build stage does,
then runs it as its runtime stage does. `.ci/run` calls it; it runs on a developer's machine too.

    scripts/image-check.py                        # the Dockerfile of this folder
    scripts/image-check.py --dockerfile OLD       # another Dockerfile, same build context
    scripts/image-check.py --keep                 # leave the runtime folder for a look

Build: the Dockerfile and `.dockerignore` are parsed, not restated. Exactly the files the build
stage's COPY lines copy (from this folder, less what `.dockerignore` leaves out) go into an empty
folder standing for the stage's WORKDIR, and the stage's RUN lines run there as written
(`--locked` included). Its `target` folder is a link to a cache (`$CARGO_TARGET_DIR/image-check`
or `target/image-check`) so that a second run reuses the compiled dependencies, as Docker's layer
cache does; our crate is compiled afresh from the copied files every time.

Run: an empty root gets what the runtime stage's COPY lines put there (`/app/config`,
`/app/keywords`, the binary) and its RUN lines are replayed where they shape the layout (the
user, the volume folders, their owner); the image's ENV applies with its absolute paths moved
under that root. As root (CI) the commands run as the image's USER, created as a system user
like the Dockerfile's `useradd`; otherwise as the current user, with a notice. Then:
`pantau --help` exits 0, `pantau demo --out` a volume path writes a briefing, and `pantau run`
(the CMD) becomes healthy per the HEALTHCHECK command and stops with exit 0 on the STOPSIGNAL.

Last, `compose.yaml` is read (PyYAML) and checked against the same Dockerfile: its volumes land
on the image's VOLUMEs, its port is published on 127.0.0.1 only, the token is not written in it.
"""

import argparse
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The Dockerfile's name in messages (`--dockerfile` may name another).
DOCKERFILE = "Dockerfile"
HEALTH_TIMEOUT_S = 90
STOP_TIMEOUT_S = 20


class CheckError(Exception):
    """A check that failed: printed as one line, and the script exits 1."""


# ---------------------------------------------------------------- parsing the Dockerfile


def instructions(text):
    """(line, KEYWORD, arguments) for each instruction: continuation lines joined, comment
    lines dropped (also inside a continuation, as Docker does)."""
    out, buf, start = [], "", 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not buf):
            continue
        if not buf:
            start = number
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        buf += line
        keyword, _, args = buf.strip().partition(" ")
        out.append((start, keyword.upper(), args.strip()))
        buf = ""
    return out


def stages(text):
    """The stages in order: {"name", "from", "steps": [(line, KEYWORD, args)]}."""
    result = []
    for line, keyword, args in instructions(text):
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else str(len(result))
            result.append({"name": name, "from": words[0], "steps": []})
        elif keyword in ("ARG", "SYNTAX") and not result:
            continue
        elif not result:
            raise CheckError(f"{DOCKERFILE}:{line}: {keyword} sebelum FROM")
        else:
            result[-1]["steps"].append((line, keyword, args))
    return result


def arguments(args):
    """A COPY or CMD argument list: JSON form or whitespace-separated."""
    if args.startswith("["):
        return json.loads(args)
    return shlex.split(args)


def env_pairs(args):
    """ENV KEY=VALUE ... (or the old ENV KEY VALUE form)."""
    words = shlex.split(args)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


# ---------------------------------------------------------------- .dockerignore


def ignore_rules(context):
    """(negated, regex) per `.dockerignore` line, in order."""
    path = os.path.join(context, ".dockerignore")
    if not os.path.exists(path):
        return []
    rules = []
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
            rules.append((negated, re.compile(glob_regex(pattern))))
    return rules


def glob_regex(pattern):
    """Go's filepath.Match with `**` for any number of folders, as Docker's patternmatcher."""
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif c == "*":
            out, i = out + "[^/]*", i + 1
        elif c == "?":
            out, i = out + "[^/]", i + 1
        elif c == "[":
            end = pattern.index("]", i)
            out, i = out + "[" + pattern[i + 1 : end] + "]", end + 1
        else:
            out, i = out + re.escape(c), i + 1
    return "^" + out + "$"


def ignored(rel, rules):
    """Whether the context path `rel` is left out: the last rule matching it or one of its
    parent folders decides."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for negated, regex in rules:
        if any(regex.match(p) for p in prefixes):
            verdict = not negated
    return verdict


# ---------------------------------------------------------------- a stage's files


class Layout:
    """A stage's file system, rooted in a folder of ours: absolute paths of the image are
    moved under `root`, relative ones start at the current WORKDIR."""

    def __init__(self, root):
        self.root = root
        self.workdir = "/"
        self.env = {}

    def path(self, image_path):
        joined = os.path.normpath(os.path.join(self.workdir, image_path))
        return os.path.join(self.root, joined.lstrip("/"))

    def set_workdir(self, args):
        self.workdir = os.path.normpath(os.path.join(self.workdir, args))
        os.makedirs(self.path("."), exist_ok=True)


def copy_from_context(layout, sources, dest, context, kept, line):
    """COPY SRC... DEST from the build context, as Docker does: a folder's contents go into
    DEST, a file into DEST (or DEST/name when DEST ends with / or several sources are given);
    a source that is missing or wholly left out by .dockerignore fails the build."""
    into_folder = dest.endswith("/") or len(sources) > 1
    for pattern in sources:
        clean = os.path.normpath(pattern).lstrip("/")
        regex = re.compile(glob_regex(clean))
        copied = 0
        for rel in kept:
            parts = rel.split("/")
            tops = [""] if clean == "." else ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
            top = next((t for t in tops if t == "" or regex.match(t)), None)
            if top is None:
                continue
            if top == rel:
                target = os.path.join(dest, parts[-1]) if into_folder else dest
            else:
                target = os.path.join(dest, os.path.relpath(rel, top or "."))
            place(os.path.join(context, rel), layout.path(target))
            copied += 1
        if copied == 0:
            raise CheckError(
                f"{DOCKERFILE}:{line}: COPY {pattern}: tidak ada di konteks build "
                "(atau dikecualikan .dockerignore)"
            )


def context_files(context, rules):
    """Every file of the build context that `.dockerignore` keeps, relative to it."""
    found = []
    for folder, dirs, files in os.walk(context):
        rel_folder = os.path.relpath(folder, context)
        # A folder left out is not entered (`target` can be large), unless a `!` rule may
        # bring something inside it back.
        dirs[:] = [
            d
            for d in dirs
            if not ignored(os.path.normpath(os.path.join(rel_folder, d)), rules)
            or any(negated for negated, _ in rules)
        ]
        for name in files:
            rel = os.path.normpath(os.path.join(rel_folder, name))
            if not ignored(rel, rules):
                found.append(rel)
    return sorted(found)


def place(source, target):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copy2(source, target)


# ---------------------------------------------------------------- the build stage


def build(stage, context, kept, cache):
    """Replays the build stage in an empty folder and returns its Layout."""
    fs = os.path.join(cache, "fs")
    shutil.rmtree(fs, ignore_errors=True)
    os.makedirs(fs)
    layout = Layout(fs)
    target_linked = False
    for line, keyword, args in stage["steps"]:
        if keyword == "WORKDIR":
            layout.set_workdir(args)
        elif keyword == "ENV":
            layout.env.update(env_pairs(args))
        elif keyword == "COPY":
            flags, words = split_flags(arguments(args), line, allowed=())
            copy_from_context(layout, words[:-1], words[-1], context, kept, line)
        elif keyword == "RUN":
            if not target_linked:
                # The stage's `target` folder is our cache (the layer cache's stand-in).
                os.makedirs(os.path.join(cache, "target"), exist_ok=True)
                os.symlink(os.path.join(cache, "target"), layout.path("target"))
                target_linked = True
            run_build_step(layout, args, line)
        elif keyword in ("ARG", "LABEL"):
            continue
        else:
            raise CheckError(f"{DOCKERFILE}:{line}: {keyword} di tahap build belum ditiru skrip ini")
    return layout


def split_flags(words, line, allowed):
    flags = {}
    while words and words[0].startswith("--"):
        name, _, value = words[0][2:].partition("=")
        if name not in allowed:
            raise CheckError(f"{DOCKERFILE}:{line}: opsi --{name} belum ditiru skrip ini")
        flags[name] = value
        words = words[1:]
    if len(words) < 2:
        raise CheckError(f"{DOCKERFILE}:{line}: COPY perlu sumber dan tujuan")
    return flags, words


def run_build_step(layout, args, line):
    env = dict(os.environ)
    # The Dockerfile's commands expect the target folder beside the sources.
    env.pop("CARGO_TARGET_DIR", None)
    env.pop("CARGO_BUILD_TARGET_DIR", None)
    env.update(layout.env)
    command = arguments(args) if args.startswith("[") else ["/bin/sh", "-c", args]
    print(f"-- {DOCKERFILE}:{line}: RUN {args}", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=layout.path("."), env=env)
    print(f"-- ({time.monotonic() - started:.0f} s)", flush=True)
    if result.returncode != 0:
        raise CheckError(f"{DOCKERFILE}:{line}: RUN gagal (kode keluar {result.returncode})")


# ---------------------------------------------------------------- the runtime stage


class Image:
    """What the runtime stage leaves: its files, user, volumes and commands."""

    def __init__(self, root):
        self.layout = Layout(root)
        self.user = None
        self.volumes = []
        self.cmd = None
        self.health = None
        self.health_options = {}
        self.stopsignal = "SIGTERM"
        self.expose = []
        self.chowns = []
        self.empty_dirs = []


def assemble(stage, built, context, kept, root):
    """Lays out the runtime stage under `root`; `built` maps a stage name to its Layout."""
    image = Image(root)
    layout = image.layout
    for line, keyword, args in stage["steps"]:
        if keyword == "WORKDIR":
            layout.set_workdir(args)
        elif keyword == "ENV":
            layout.env.update(env_pairs(args))
        elif keyword == "COPY":
            flags, words = split_flags(arguments(args), line, allowed=("from",))
            if "from" in flags:
                copy_from_stage(built, flags["from"], words, layout, line)
            else:
                copy_from_context(layout, words[:-1], words[-1], context, kept, line)
        elif keyword == "RUN":
            replay(image, args, line)
        elif keyword == "USER":
            image.user = args.split(":")[0]
        elif keyword == "VOLUME":
            image.volumes += arguments(args)
        elif keyword == "EXPOSE":
            image.expose += [int(p.split("/")[0]) for p in args.split()]
        elif keyword == "HEALTHCHECK":
            image.health, image.health_options = healthcheck(args, line)
        elif keyword == "STOPSIGNAL":
            image.stopsignal = args
        elif keyword == "CMD":
            image.cmd = arguments(args)
        elif keyword not in ("ARG", "LABEL"):
            raise CheckError(f"{DOCKERFILE}:{line}: {keyword} di tahap runtime belum ditiru skrip ini")
    if not image.cmd or not image.health:
        raise CheckError(f"{DOCKERFILE}: tahap runtime tanpa CMD atau HEALTHCHECK")
    return image


def copy_from_stage(built, name, words, layout, line):
    if name not in built:
        raise CheckError(f"{DOCKERFILE}:{line}: COPY --from={name}: tahap itu tidak dibangun")
    source_layout = built[name]
    for source in words[:-1]:
        found = os.path.realpath(source_layout.path(source))
        if not os.path.exists(found):
            raise CheckError(f"{DOCKERFILE}:{line}: COPY --from={name} {source}: tidak ada")
        target = layout.path(words[-1])
        if os.path.isdir(found):
            shutil.copytree(found, target, dirs_exist_ok=True)
        else:
            place(found, target)


def healthcheck(args, line):
    words = shlex.split(args.split("CMD", 1)[0])
    options = dict(w[2:].split("=", 1) for w in words if w.startswith("--"))
    if "CMD" not in args:
        raise CheckError(f"{DOCKERFILE}:{line}: HEALTHCHECK tanpa CMD")
    return arguments(args.split("CMD", 1)[1].strip()), options


def replay(image, args, line):
    """The runtime stage's RUN lines, command by command, where they shape the layout: the
    user, the folders, their owner. Package installs are the base image's business and are
    skipped; any other command fails the check, so the rehearsal never drifts silently."""
    for part in args.split("&&"):
        words = shlex.split(part)
        if not words:
            continue
        if words[0] == "apt-get" or (words[:2] == ["rm", "-rf"] and words[2].startswith("/var/lib/apt/")):
            continue
        if words[0] == "useradd":
            image.user = image.user or words[-1]
        elif words[:2] == ["mkdir", "-p"]:
            for folder in words[2:]:
                os.makedirs(image.layout.path(folder), exist_ok=True)
                image.empty_dirs.append(os.path.normpath(os.path.join(image.layout.workdir, folder)))
        elif words[:2] == ["chown", "-R"]:
            image.chowns += [image.layout.path(p) for p in words[3:]]
        else:
            raise CheckError(f"{DOCKERFILE}:{line}: RUN {' '.join(words)}: belum ditiru skrip ini")


# ---------------------------------------------------------------- running it


def as_user(image):
    """The command prefix that runs as the image's USER (created as a system user, as the
    Dockerfile's useradd does) when we are root; otherwise none, with a notice."""
    for folder in walk_up(image.layout.root):
        os.chmod(folder, 0o755)
    if os.geteuid() != 0:
        print(f"!! bukan root: perintah berjalan sebagai {pwd.getpwuid(os.geteuid()).pw_name}, "
              f"bukan sebagai pengguna image ({image.user})", flush=True)
        return []
    if not image.user:
        raise CheckError(f"{DOCKERFILE}: tahap runtime berjalan sebagai root (tidak ada USER)")
    try:
        account = pwd.getpwnam(image.user)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", image.user], check=True)
        account = pwd.getpwnam(image.user)
    for top in image.chowns:
        for folder, dirs, files in os.walk(top):
            for name in [folder] + [os.path.join(folder, f) for f in dirs + files]:
                os.lchown(name, account.pw_uid, account.pw_gid)
    return ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}",
            "--clear-groups", "--"]


def walk_up(root):
    """`root` and its parents up to the temporary folder it was made in."""
    top = tempfile.gettempdir()
    folder = root
    while folder.startswith(top) and folder != top:
        yield folder
        folder = os.path.dirname(folder)


def environment(image, port):
    """The image's ENV with its absolute paths under our root, and the HTTP server on a free
    loopback port: the image's 0.0.0.0 would expose the rehearsal on every interface."""
    layout = image.layout
    env = {"PATH": ":".join([layout.path("/usr/local/bin"), os.environ.get("PATH", "")]),
           "HOME": layout.path("."), "LANG": "C.UTF-8"}
    for key, value in layout.env.items():
        first = value.lstrip("/").split("/")[0]
        mapped = value.startswith("/") and first and os.path.exists(layout.path("/" + first))
        env[key] = layout.path(value) if mapped else value
    env["PANTAU__HTTP__BIND"] = f"127.0.0.1:{port}"
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_help(image, prefix, env):
    run = subprocess.run(prefix + [image.cmd[0], "--help"], env=env, cwd=image.layout.path("."),
                         capture_output=True, text=True)
    if run.returncode != 0 or "Pemakaian:" not in run.stdout:
        raise CheckError(f"{image.cmd[0]} --help: kode keluar {run.returncode}: {run.stderr.strip()}")
    print(f"ok {image.cmd[0]} --help", flush=True)


def check_demo(image, prefix, env):
    volume = next((v for v in image.volumes if v in image.empty_dirs), None)
    if volume is None:
        raise CheckError(f"{DOCKERFILE}: tidak ada VOLUME kosong yang bisa ditulis")
    out = image.layout.path(os.path.join(volume, "demo"))
    run = subprocess.run(prefix + [image.cmd[0], "demo", "--out", out], env=env,
                         cwd=image.layout.path("."), capture_output=True, text=True)
    if run.returncode != 0:
        raise CheckError(f"demo --out {volume}/demo: kode keluar {run.returncode}: {run.stderr.strip()}")
    briefings = os.path.join(out, "briefings")
    written = sorted(os.listdir(briefings)) if os.path.isdir(briefings) else []
    for ext in (".md", ".html", ".json"):
        if not any(name.endswith(ext) for name in written):
            raise CheckError(f"demo --out {volume}/demo: tidak ada briefing {ext} ({written})")
    print(f"ok {image.cmd[0]} demo --out {volume}/demo: {', '.join(written)}", flush=True)


def check_run(image, prefix, env, grace_s):
    """The CMD in the background: healthy per the HEALTHCHECK command within the timeout, then
    stopped by the STOPSIGNAL within the compose file's grace period, exit 0, no panic."""
    config = env.get("PANTAU_CONFIG")
    if config:
        local = os.path.join(os.path.dirname(config), "local.toml")
        if os.path.exists(local):
            raise CheckError(f"{local}: ikut masuk image (.dockerignore harus mengecualikannya)")
        # As an operator's local.toml would: no sources, so the rehearsal stays offline
        # (the shipped config polls public sites).
        with open(local, "w") as f:
            f.write("sources = []\n")
    cwd = image.layout.path(".")
    log_path = os.path.join(image.layout.root, "run.log")
    with open(log_path, "w") as log:
        daemon = subprocess.Popen(prefix + image.cmd, env=env, cwd=cwd, stdout=log, stderr=log)
    try:
        waited = wait_healthy(image, prefix, env, daemon)
        print(f"ok {' '.join(image.cmd)}: healthy after {waited:.1f} s", flush=True)
        started = time.monotonic()
        daemon.send_signal(getattr(signal, image.stopsignal))
        code = daemon.wait(timeout=grace_s)
        stopped = time.monotonic() - started
    except (CheckError, subprocess.TimeoutExpired) as e:
        daemon.kill()
        daemon.wait()
        raise CheckError(f"{' '.join(image.cmd)}: {e}\n{read(log_path)}") from None
    log = read(log_path)
    if code != 0 or "panicked" in log:
        raise CheckError(f"{' '.join(image.cmd)}: berhenti dengan kode {code} setelah "
                         f"{image.stopsignal}\n{log}")
    databases = [os.path.join(folder, name)
                 for volume in image.volumes
                 for folder, _, files in os.walk(image.layout.path(volume))
                 for name in files if name.endswith(".db") and "/demo/" not in folder + "/"]
    if not databases:
        raise CheckError("pantau run tidak menulis basis data ke VOLUME mana pun")
    print(f"ok {image.stopsignal}: exit 0 after {stopped:.2f} s (grace {grace_s:.0f} s); "
          f"database in a volume: {os.path.relpath(databases[0], image.layout.root)}", flush=True)


def wait_healthy(image, prefix, env, daemon):
    started = time.monotonic()
    last = ""
    while time.monotonic() - started < HEALTH_TIMEOUT_S:
        if daemon.poll() is not None:
            raise CheckError(f"berhenti sendiri dengan kode {daemon.returncode}")
        probe = subprocess.run(prefix + image.health, env=env, cwd=image.layout.path("."),
                               capture_output=True, text=True)
        if probe.returncode == 0:
            return time.monotonic() - started
        last = (probe.stdout + probe.stderr).strip()
        time.sleep(0.5)
    raise CheckError(f"tidak sehat dalam {HEALTH_TIMEOUT_S} s: {' '.join(image.health)}: {last}")


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


# ---------------------------------------------------------------- compose.yaml


def seconds(text):
    """A Go duration as Docker and Compose write them: 90s, 1m30s, 2h."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", str(text))
    if not parts or "".join(n + u for n, u in parts) != str(text):
        raise CheckError(f"compose.yaml: durasi tidak dikenal: {text!r}")
    unit = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * unit[u] for n, u in parts)


def check_compose(path, image):
    """Reads compose.yaml and checks it against the runtime stage; returns the service's
    stop_grace_period in seconds."""
    try:
        import yaml
    except ImportError:
        raise CheckError("PyYAML tidak ada: pip install pyyaml, atau apt-get install python3-yaml") from None
    with open(path) as f:
        doc = yaml.safe_load(f)
    services = doc.get("services") or {}
    if len(services) != 1:
        raise CheckError(f"{path}: satu layanan diharapkan, ada {len(services)}")
    name, service = next(iter(services.items()))
    where = f"{os.path.basename(path)}: services.{name}"
    context = service.get("build")
    context = context.get("context") if isinstance(context, dict) else context
    if os.path.realpath(os.path.join(os.path.dirname(path), str(context))) != os.path.realpath(ROOT):
        raise CheckError(f"{where}.build: bukan folder ini ({context!r})")
    if service.get("restart") not in ("always", "unless-stopped", "on-failure"):
        raise CheckError(f"{where}.restart: always, unless-stopped atau on-failure diharapkan")
    compose_ports(service.get("ports") or [], image, where)
    compose_volumes(service.get("volumes") or [], doc.get("volumes") or {}, image, where, path)
    compose_environment(service.get("environment") or {}, where)
    compose_health(service.get("healthcheck") or {}, image, where)
    if service.get("stop_signal", image.stopsignal) != image.stopsignal:
        raise CheckError(f"{where}.stop_signal: berbeda dari STOPSIGNAL {image.stopsignal}")
    if "stop_grace_period" not in service:
        raise CheckError(f"{where}.stop_grace_period: tidak ada (bawaan Docker 10 s)")
    grace = seconds(service["stop_grace_period"])
    print(f"ok {os.path.basename(path)}: service {name}, ports {service['ports']}, "
          f"stop_grace_period {grace:.0f} s", flush=True)
    return grace


def compose_ports(ports, image, where):
    if not ports:
        raise CheckError(f"{where}.ports: kosong")
    for port in ports:
        if isinstance(port, dict):
            host_ip, target = port.get("host_ip"), port.get("target")
        else:
            fields = str(port).split(":")
            host_ip, target = (fields[0] if len(fields) == 3 else None), fields[-1]
        if host_ip != "127.0.0.1":
            raise CheckError(f"{where}.ports: {port!r} harus diterbitkan di 127.0.0.1 saja")
        if int(str(target).split("/")[0]) not in image.expose:
            raise CheckError(f"{where}.ports: {port!r} bukan port EXPOSE {image.expose}")


def compose_volumes(mounts, named, image, where, path):
    covered = set()
    for mount in mounts:
        if isinstance(mount, dict):
            source, target = mount.get("source"), mount.get("target")
        else:
            source, target = str(mount).split(":")[:2]
        if target not in image.volumes:
            raise CheckError(f"{where}.volumes: {target} bukan VOLUME image {image.volumes}")
        if source.startswith((".", "/")):
            if not os.path.exists(os.path.join(os.path.dirname(path), source)):
                raise CheckError(f"{where}.volumes: {source} tidak ada di host")
        elif source not in named:
            raise CheckError(f"{where}.volumes: volume bernama {source!r} tidak dideklarasikan")
        covered.add(target)
    missing = sorted(set(image.volumes) - covered)
    if missing:
        raise CheckError(f"{where}.volumes: VOLUME {missing} tanpa volume (jadi anonim, hilang saat dibuat ulang)")


def compose_environment(env, where):
    items = env.items() if isinstance(env, dict) else (e.split("=", 1) for e in env)
    for key, value in items:
        if re.search(r"TOKEN|PASSWORD|SECRET", key) and not re.fullmatch(r"\$\{[^}]+\}", str(value or "")):
            raise CheckError(f"{where}.environment.{key}: rahasia ditulis langsung; pakai ${{VARIABEL}}")


def compose_health(health, image, where):
    test = health.get("test")
    if test != ["CMD"] + image.health:
        raise CheckError(f"{where}.healthcheck.test: {test!r}, image: {['CMD'] + image.health!r}")
    for option, value in image.health_options.items():
        key = option.replace("-", "_")
        mine = health.get(key)
        if key == "retries":
            same = str(mine) == str(value)
        else:
            same = mine is not None and seconds(mine) == seconds(value)
        if not same:
            raise CheckError(f"{where}.healthcheck.{key}: {health.get(key)!r}, image: {value}")


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dockerfile", default=os.path.join(ROOT, "Dockerfile"))
    parser.add_argument("--compose", default=os.path.join(ROOT, "compose.yaml"))
    parser.add_argument("--keep", action="store_true", help="leave the runtime folder behind")
    args = parser.parse_args()
    global DOCKERFILE
    DOCKERFILE = os.path.relpath(args.dockerfile)
    cache_base = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    cache = os.path.join(os.path.abspath(cache_base), "image-check")
    started = time.monotonic()
    with open(args.dockerfile) as f:
        all_stages = stages(f.read())
    if len(all_stages) < 2:
        raise CheckError(f"{args.dockerfile}: tahap build dan tahap runtime diharapkan")
    kept = context_files(ROOT, ignore_rules(ROOT))
    root = tempfile.mkdtemp(prefix="pantau-image-")
    try:
        # Only the stages the runtime stage copies from are built, as BuildKit does.
        runtime = all_stages[-1]
        wanted = {
            a.split("=", 1)[1].split()[0]
            for _, k, a in runtime["steps"]
            if k == "COPY" and a.startswith("--from=")
        }
        built = {}
        for stage in all_stages[:-1]:
            if stage["name"] in wanted:
                print(f"== build stage {stage['name']} ({stage['from']}) in {cache}/fs", flush=True)
                built[stage["name"]] = build(stage, ROOT, kept, cache)
        print(f"== build: {time.monotonic() - started:.0f} s", flush=True)
        image = assemble(runtime, built, ROOT, kept, os.path.join(root, "rootfs"))
        grace = check_compose(args.compose, image)
        prefix = as_user(image)
        env = environment(image, free_port())
        print(f"== runtime stage in {image.layout.root}, as {image.user if prefix else 'me'}, "
              f"HTTP on {env['PANTAU__HTTP__BIND']}", flush=True)
        check_help(image, prefix, env)
        check_demo(image, prefix, env)
        check_run(image, prefix, env, grace)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(f"== image check passed in {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    try:
        main()
    except CheckError as e:
        print(f"image check FAILED: {e}", file=sys.stderr)
        sys.exit(1)
