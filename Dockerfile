# The emulator's image: the control plane (`up`, the default command) and the agent
# (`node dist/cli.js agent ...`), for docker-compose.yml and the testcontainers module.
#
#   docker compose build                                   # FROM node:20-bookworm-slim
#   NODE_IMAGE=ecs-emulator/node:20 BUILD_FROM=host docker-compose build    # offline, see below
#   docker build --build-arg NODE_IMAGE=ecs-emulator/node:20 .             # the same, by hand
#
# NODE_IMAGE is the base of both stages: the official Node image by default, or a local one
# (`scripts/images.sh --only node` makes ecs-emulator/node:20 from this machine's node, with
# busybox and iptables, and pulls nothing).
#
# BUILD_FROM says where dist/ and node_modules/ come from:
#   source  `npm ci` in the build stage, which also bundles dist/ (the `prepare` script):
#           better-sqlite3's native module is downloaded prebuilt or compiled by node-gyp, for
#           which the stage installs python3, make and g++ and points node-gyp at the base's own
#           headers (/usr/local/include/node) so that none are downloaded. Needs the npm
#           registry, and a Debian base (apt-get) unless the base already has the compilers.
#   host    the checkout's own dist/ and node_modules/, after `npm ci && npm run build` on a
#           Linux host with the same Node major and a glibc as new as the base's. The only way
#           on a machine that reaches no registry: `npm ci` cannot fetch a package there, nor
#           node-gyp its headers, and ecs-emulator/node:20 has no npm or compiler anyway.
#           Development packages are dropped by package-lock.json's `dev` flags.
#   auto    (default) host when the checkout's build loads in the base (its better-sqlite3
#           opens a database here, so a macOS or musl build is never taken), else source.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG BUILD_FROM=auto
WORKDIR /app
COPY . .
RUN set -e; \
  host_built () { test -f dist/cli.js \
    && node -e "new (require('better-sqlite3'))(':memory:').close()" >/dev/null 2>&1; }; \
  case "$BUILD_FROM" in \
    host) host_built || { echo "BUILD_FROM=host: dist/ or node_modules/ is missing or does not load here: run npm ci && npm run build on the host first" >&2; exit 1; } ;; \
    auto) if host_built; then BUILD_FROM=host; else BUILD_FROM=source; fi ;; \
    source) ;; \
    *) echo "BUILD_FROM is source, host or auto, not '$BUILD_FROM'" >&2; exit 1 ;; \
  esac; \
  echo "building from: $BUILD_FROM"; \
  if [ "$BUILD_FROM" = source ]; then \
    if ! command -v python3 >/dev/null || ! command -v make >/dev/null || ! command -v g++ >/dev/null; then \
      command -v apt-get >/dev/null || { echo "the base has no python3, make and g++ and no apt-get to install them: use BUILD_FROM=host" >&2; exit 1; }; \
      apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*; \
    fi; \
    if [ -f /usr/local/include/node/node.h ]; then export npm_config_nodedir=/usr/local; fi; \
    rm -rf node_modules dist; \
    npm ci --no-audit --no-fund; \
    npm prune --omit=dev --no-audit --no-fund; \
    node -e "new (require('better-sqlite3'))(':memory:').close()" \
      || { echo "better-sqlite3 has no native module after npm ci (were its install scripts skipped?)" >&2; exit 1; }; \
  else \
    node -e "const fs = require('fs'); const lock = require('./package-lock.json'); \
      for (const [path, p] of Object.entries(lock.packages)) \
        if (path !== '' && p.dev === true) fs.rmSync(path, { recursive: true, force: true })"; \
  fi; \
  cd node_modules/better-sqlite3 && rm -rf deps src build/Release/obj build/Release/obj.target \
    build/Release/.deps build/Release/test_extension.node build/Release/sqlite3.a

FROM ${NODE_IMAGE}
# The agent adds a DNAT rule for 169.254.170.2 with iptables: ecs-emulator/node:20 carries the
# host's, a Debian base gets Debian's (a step that needs the Debian mirror).
RUN command -v iptables >/dev/null 2>&1 || { apt-get update \
  && apt-get install -y --no-install-recommends iptables && rm -rf /var/lib/apt/lists/*; }
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
COPY --from=build /app/node_modules ./node_modules
ENV NODE_ENV=production
# The API (and every load balancer by its DNS name in Host), and ECR's registry.
EXPOSE 4566 4567
VOLUME ["/app/data"]
CMD ["node", "dist/cli.js", "up", "--host", "0.0.0.0"]
