# clauded in a container: `clauded serve` on port 8000, state in the /data volume.
# Build: `make up` (or `docker compose build`); the binary is built with the locked
# dependencies, and the dependencies are their own layer, rebuilt only when Cargo.lock changes.

ARG RUST_VERSION=1.89
ARG DEBIAN=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN} AS build
# C for SQLite, libgit2 and the OpenSSL built into it (perl runs its Configure)
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev make perl pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# the dependency layer: the manifest and lock with empty targets
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > benches/ttft.rs \
    && cargo build --release --locked \
    && rm -rf src benches target/release/clauded target/release/deps/clauded-* \
        target/release/deps/libclauded-* target/release/.fingerprint/clauded-*

# the crate itself; `--version` names the commit when the build is given it
ARG CLAUDED_BUILD_COMMIT=""
COPY build.rs ./
COPY src src
COPY benches benches
COPY docs/openapi.json docs/openapi.json
COPY packaging/systemd packaging/systemd
RUN CLAUDED_BUILD_COMMIT="${CLAUDED_BUILD_COMMIT}" cargo build --release --locked \
    && install -m 755 target/release/clauded /usr/local/bin/clauded

FROM debian:${DEBIAN}-slim
# only what git over https needs beside the binary: the CA certificates
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin clauded \
    && mkdir -p /data \
    && chown clauded:clauded /data \
    && chmod 700 /data
COPY --from=build /usr/local/bin/clauded /usr/local/bin/clauded

# everything in the volume; listen on all interfaces of the container (the compose file
# publishes it on the host's loopback), which `serve` allows only with a token
ENV CLAUDED_HOME=/data \
    CLAUDED_KEYRING=file \
    HOST=0.0.0.0 \
    PORT=8000
USER 10001:10001
WORKDIR /data
VOLUME /data
EXPOSE 8000
# asks the server's /health/ready, so the image needs no curl
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["clauded", "health", "--timeout", "4"]
ENTRYPOINT ["clauded"]
CMD ["serve"]
