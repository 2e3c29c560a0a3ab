# Pantau in a container. With Docker Compose: `docker compose up -d --build` (compose.yaml).
# By hand: `docker build -t pantau .` then
#   docker run -d --name pantau -p 127.0.0.1:8080:8080 \
#     -e PANTAU__HTTP__TOKEN=... \
#     -v pantau-data:/app/data -v pantau-briefings:/app/briefings \
#     -v "$PWD/config:/app/config:ro" -v "$PWD/keywords:/app/keywords:ro" pantau
# Edit config/ and keywords/ on the host; the database and the briefings live in volumes.
# scripts/image-check.py (run by .ci/run) builds and runs this file's stages without Docker.

FROM rust:1-bookworm AS build
WORKDIR /src
# Dependencies first, so that a code change does not rebuild them. Cargo reads every target
# the manifest declares before it builds anything, so each `[[bench]]` gets a stub file here
# (names read from Cargo.toml, so a new bench needs no edit) and the real ones come below.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src benches && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && for bench in $(sed -n '/^\[\[bench\]\]/,/^name/s/^name = "\(.*\)"$/\1/p' Cargo.toml); do \
        echo 'fn main() {}' > "benches/$bench.rs"; done \
    && cargo build --release --locked && rm -rf src benches
# What the build reads: the code, the benches the manifest names, and the files the code
# embeds (the keyword lists, the demo feeds, the sentiment model and the map's boundaries;
# `scripts/image-check.py` proves the list).
COPY src src
COPY benches benches
COPY keywords keywords
COPY demo demo
COPY models models
COPY assets assets
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin pantau
WORKDIR /app
COPY --from=build /src/target/release/pantau /usr/local/bin/pantau
COPY config config
COPY keywords keywords
RUN mkdir -p data briefings && chown -R pantau:pantau /app
USER pantau
VOLUME ["/app/config", "/app/keywords", "/app/data", "/app/briefings"]
ENV PANTAU_CONFIG=/app/config/default.toml
# Inside the container the server must listen on every interface to be reached through
# `-p`; publish it on the host's loopback only (`-p 127.0.0.1:8080:8080`) unless a proxy
# with TLS is in front.
ENV PANTAU__HTTP__BIND=0.0.0.0:8080
EXPOSE 8080
# `pantau health` asks /healthz (the store takes a write, the scheduler beats); the image has
# no curl. The start period covers opening and migrating a large database.
HEALTHCHECK --interval=60s --timeout=15s --start-period=120s --retries=3 CMD ["pantau", "health"]
# Logs go to stderr; `docker logs pantau` shows them. SIGTERM (docker stop) stops cleanly.
STOPSIGNAL SIGTERM
CMD ["pantau", "run"]
