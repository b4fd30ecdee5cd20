# The emulator's own image. It is built from this checkout as it stands after
# `npm ci && npm run build` on the host: npm ci cannot run inside the build offline, because
# better-sqlite3's native module comes as a prebuilt download or is compiled against headers
# that node-gyp downloads, and neither source is reachable from a container here. The host's
# build (Node 20 ABI, glibc) runs unchanged on both bases below.
#
#   docker-compose build                                  # FROM node:20-bookworm-slim (pulled)
#   NODE_IMAGE=ecs-emulator/node:20 docker-compose build  # offline: scripts/images.sh --only node
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE}

# The built-in agent adds a DNAT rule for 169.254.170.2 on its bridge. ecs-emulator/node:20
# carries the host's iptables; a Debian base gets Debian's.
RUN command -v iptables >/dev/null 2>&1 || { apt-get update \
  && apt-get install -y --no-install-recommends iptables && rm -rf /var/lib/apt/lists/*; }

WORKDIR /app
COPY . .
RUN test -f dist/cli.js && test -d node_modules/better-sqlite3 \
  || { echo 'dist/ or node_modules/ is missing: run npm ci && npm run build first' >&2; exit 1; }

ENV NODE_ENV=production
EXPOSE 4566
VOLUME ["/app/data"]
CMD ["node", "dist/cli.js", "up", "--host", "0.0.0.0"]
