# syntax=docker/dockerfile:1
# The zpg image: `zpg --daemon` for deploy/ (image ghcr.io/zpg/zpg). Build from the repo root:
#   docker build -t ghcr.io/zpg/zpg:latest .
# NOT BUILT HERE: the machine this was written on has no Docker engine, so this file has never been
# built. Its npm steps were rehearsed by hand in scratch directories (same npm commands; the bundle
# built and ran on Node 24): the assembled /app ran `zpg --help`, and `zpg list` against the
# sandbox API with production node_modules only. The image holds what `npm run build` and
# bin/zpg.mjs need: the esbuild bundle dist/zpg.mjs with its chunks in dist/chunks, the launcher
# bin/zpg.mjs, package.json ("type": "module") and the production node_modules the bundle imports
# (dependencies stay external).

# ---- build: the bundle
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# Scripts off: `prepare` would build before the sources are here, and the `node` devDependency
# would download a second Node 24 the image already has. esbuild's own install check runs after.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts && npm rebuild esbuild
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/
COPY src/ src/
RUN npm run build

# ---- deps: production node_modules only
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# No dependency needs an install script; the root `prepare` (the build) must not run here.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts

# ---- runtime
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules/ node_modules/
COPY --from=build /src/dist/ dist/
COPY bin/ bin/
COPY package.json ./
USER node
EXPOSE 8080
# Small young generations keep the daemon's RSS near its live heap: 416 → 212 MiB at 1,000
# clusters in `npm run bench` (BENCH=operator runs the daemon with these same flags).
ENTRYPOINT ["node", "--max-semi-space-size=2", "--max-old-space-size=160", "/app/bin/zpg.mjs"]
CMD ["--daemon"]
