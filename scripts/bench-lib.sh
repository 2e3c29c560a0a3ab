# Shared by the bench scripts that run whole `pantau` processes on the generated corpus; sourced,
# not run. Each caller keeps `tmp` (its temporary folder) and `server` (the PID its cleanup
# kills) itself.

# bench_keywords CORPUS DEST: Pantau's lists in DEST, the shipped ones with the corpus's 50
# generated topics (keywords_K50_P40.toml) in place of the shipped topics.
bench_keywords() {
  local corpus=$1 dest=$2
  cp -r keywords "$dest"
  rm -rf "$dest/topics"
  mkdir "$dest/topics"
  python3 - "$corpus/keywords_K50_P40.toml" "$dest/topics" <<'EOF'
# `[[topic]] id, name, any, exclude` → one Pantau topic file per topic (as benches/common does).
import json, sys, tomllib
src, out = sys.argv[1:]
for t in tomllib.load(open(src, "rb"))["topic"]:
    q = lambda xs: "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in xs) + "]"
    with open(f"{out}/{t['id']}.toml", "w", encoding="utf-8") as f:
        f.write(f"name = {json.dumps(t['name'], ensure_ascii=False)}\n"
                f"any = {q(t['any'])}\nexclude = {q(t.get('exclude', []))}\n")
EOF
}

# bench_serve WWW NAME: serves the folder WWW on a free loopback port (Python's http.server) in
# the background; sets `server` to its PID and `base` to its address, or exits naming NAME.
bench_serve() {
  local www=$1 name=$2 port_file="$tmp/port"
  rm -f "$port_file"
  # The server picks a free port and writes it down once it listens.
  python3 - "$www" "$port_file" <<'EOF' &
import functools, http.server, os, sys
www, port_file = sys.argv[1:]
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=www))
with open(port_file + ".part", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".part", port_file)
server.serve_forever()
EOF
  server=$!
  for _ in $(seq 100); do [ -s "$port_file" ] && break; kill -0 "$server" 2>/dev/null || break; sleep 0.05; done
  [ -s "$port_file" ] || { echo "$name: the loopback HTTP server did not start" >&2; exit 1; }
  base="http://127.0.0.1:$(cat "$port_file")"
}

# bench_binary NAME: sets `bin` to the absolute path of PANTAU_BIN if given, else of a release
# build made now; exits naming NAME if there is none.
bench_binary() {
  local name=$1
  if [ -n "${PANTAU_BIN:-}" ]; then
    bin=$PANTAU_BIN
  else
    cargo build --release --bin pantau >&2
    bin=${CARGO_TARGET_DIR:-target}/release/pantau
  fi
  [ -x "$bin" ] || { echo "$name: no pantau binary at $bin" >&2; exit 1; }
  bin=$(realpath "$bin")
}
