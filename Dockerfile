# syntax=docker/dockerfile:1
# Tandem production image: one image for every role (serve, worker, migrate, seed).
# TypeScript runs with tsx (no build step), so dev dependencies (tsx) are installed.
#
#   docker build -t tandem .
#   docker run --rm -p 4000:4000 -e TANDEM_JWT_SECRET=... tandem              # pnpm tandem serve
#   docker run --rm tandem pnpm tandem worker | migrate | seed --demo

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- base: node + pnpm (pinned to root package.json `packageManager`) ----------------------
FROM ${NODE_IMAGE} AS base
# corepack's signature checks fail in some environments; install the pinned pnpm with npm.
RUN npm i -g pnpm@10.34.8 && pnpm --version
WORKDIR /app

# ---- deps: fetch every package of the lockfile into the store ------------------------------
# Only the lockfile (and the patches it names) is copied, so this layer stays cached until dependencies change.
FROM base AS deps
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
COPY patches ./patches
RUN pnpm fetch --frozen-lockfile

# ---- build: workspace sources linked against the fetched store ------------------------------
FROM deps AS build
COPY . .
RUN pnpm install --frozen-lockfile --prod=false --offline

# ---- runtime ------------------------------------------------------------------------------
FROM base AS runtime
ENV NODE_ENV=production
# Code and dependencies stay owned by root (read-only for the app); only ./data is writable
# (the embedded-mode SQLite file when DATABASE_URL is left at its default).
COPY --from=build /app /app
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["pnpm", "tandem", "serve"]
