#!/usr/bin/env bash
# Builds the images the runtime's tests and examples run, from what a machine without a
# registry has: Debian's busybox-static, this machine's own `node` and the SDK clients in
# node_modules. Nothing is pulled. Each image carries the labels ecs-emulator.image=NAME and
# ecs-emulator.inputs=HASH; an image whose inputs are unchanged is left as it is.
#
#   ecs-emulator/busybox:latest    FROM scratch, busybox-static with every applet linked
#   ecs-emulator/node:MAJOR        node + its libraries (docker import), busybox, iptables,
#                                  the SDK clients under /opt/node_modules (NODE_PATH)
#   amazon/amazon-ecs-pause:0.1.0  holds a namespace, exits 0 on SIGTERM
#   gitlab/gitlab-runner:latest    a stand-in for the example's runner image
#
# usage: scripts/images.sh [--only NAME[,NAME]] [--force] [--list]
#   NAME is busybox, node, pause or gitlab-runner.
# Environment:
#   BUSYBOX=PATH          a static busybox binary (default: Debian's /bin/busybox from
#                         busybox-static, installed with apt-get when missing and run as root)
#   NODE_BIN=PATH         the node binary to put in the node image (default: `command -v node`)
#   BUSYBOX_IMAGE=IMAGE   use this local image as the busybox base instead of building one
#   NODE_IMAGE=IMAGE      build the node image FROM this local image (e.g. node:20-bookworm-slim)
#                         instead of importing this machine's node
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF_HASH=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
ALL=(busybox node pause gitlab-runner)
ONLY=()
FORCE=0
BUILT=0

log () { printf '[images] %s\n' "$*"; }
die () { printf '[images] error: %s\n' "$*" >&2; exit 1; }
hash_of () { sha256sum | cut -c1-16; }

usage () { sed -n '/^# usage:/,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --only) [ $# -ge 2 ] || die '--only needs a NAME'; IFS=, read -ra names <<<"$2"; ONLY+=("${names[@]}"); shift 2 ;;
    --only=*) IFS=, read -ra names <<<"${1#--only=}"; ONLY+=("${names[@]}"); shift ;;
    --force) FORCE=1; shift ;;
    --list) printf '%s\n' "${ALL[@]}"; exit 0 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ ${#ONLY[@]} -gt 0 ] || ONLY=("${ALL[@]}")
for n in "${ONLY[@]}"; do
  case " ${ALL[*]} " in *" $n "*) ;; *) die "unknown image '$n' (one of: ${ALL[*]})" ;; esac
done

command -v docker >/dev/null || die 'the docker CLI is not installed'
docker info >/dev/null 2>&1 || die 'the Docker engine does not answer (docker info failed)'

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ecs-emulator-images.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

NODE_BIN=${NODE_BIN:-$(command -v node || true)}
[ -n "$NODE_BIN" ] || die 'no node binary (set NODE_BIN)'
NODE_MAJOR=$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')

BUSYBOX_TAG=ecs-emulator/busybox:latest
NODE_TAG=ecs-emulator/node:$NODE_MAJOR
PAUSE_TAG=amazon/amazon-ecs-pause:0.1.0
RUNNER_TAG=gitlab/gitlab-runner:latest

# The inputs label of an image, empty when the image is missing.
inputs_of () { docker image inspect -f '{{ index .Config.Labels "ecs-emulator.inputs" }}' "$1" 2>/dev/null || true; }
image_id () { docker image inspect -f '{{ .Id }}' "$1"; }
local_image () { docker image inspect "$1" >/dev/null 2>&1 || die "$2=$1 is not an image on this engine"; }

# up_to_date TAG HASH: true when TAG exists with these inputs (and --force was not given).
up_to_date () {
  [ "$FORCE" = 0 ] && [ "$(inputs_of "$1")" = "$2" ] && { log "$1: up to date (inputs $2)"; return 0; }
  return 1
}

# build TAG NAME HASH CONTEXT: docker build of CONTEXT/Dockerfile with the two labels.
build () {
  local started=$SECONDS
  BUILT=1
  docker build -q --label "ecs-emulator.image=$2" --label "ecs-emulator.inputs=$3" \
    -t "$1" "$4" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; die "$1: docker build failed"; }
  log "$1: built (inputs $3, $((SECONDS - started)) s)"
}

# Files' content (as a hash), paths and modes, for the inputs of a build context.
hash_dir () { (cd "$1" && find . -type f -o -type l | LC_ALL=C sort | while read -r f; do
  printf '%s %s ' "$f" "$(stat -c %a "$f")"; if [ -L "$f" ]; then readlink "$f"; else sha256sum <"$f"; fi
done) | hash_of; }

# --- busybox ---------------------------------------------------------------------------------

find_busybox () {
  if [ -n "${BUSYBOX:-}" ]; then
    [ -x "$BUSYBOX" ] && is_static "$BUSYBOX" || die "BUSYBOX=$BUSYBOX is not a static executable"
    return
  fi
  if [ ! -x /bin/busybox ] || ! is_static /bin/busybox; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      log 'installing busybox-static (apt-get)'
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null; } \
        || die 'apt-get install busybox-static failed'
    else
      die 'no static busybox: apt-get install busybox-static, or set BUSYBOX=PATH'
    fi
  fi
  BUSYBOX=/bin/busybox
  is_static "$BUSYBOX" || die "$BUSYBOX is not statically linked (install busybox-static)"
}

is_static () { ! ldd "$1" >/dev/null 2>&1; }

base_files () {
  mkdir -p "$1/etc"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
    >"$1/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$1/etc/group"
  printf '%s\n' 'hosts: files dns' >"$1/etc/nsswitch.conf"
}

busybox_image () {
  if [ -n "${BUSYBOX_IMAGE:-}" ]; then
    local ctx=$WORK/busybox-from hash
    local_image "$BUSYBOX_IMAGE" BUSYBOX_IMAGE
    mkdir -p "$ctx"
    hash=$(printf '%s %s' "$SELF_HASH" "$(image_id "$BUSYBOX_IMAGE")" | hash_of)
    up_to_date "$BUSYBOX_TAG" "$hash" && return
    printf 'FROM %s\n' "$BUSYBOX_IMAGE" >"$ctx/Dockerfile"
    build "$BUSYBOX_TAG" busybox "$hash" "$ctx"
    return
  fi
  find_busybox
  local ctx=$WORK/busybox
  mkdir -p "$ctx/root"
  cp "$BUSYBOX" "$ctx/busybox"
  base_files "$ctx/root"
  cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
COPY root/ /
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin /tmp /root /home && /bin/busybox chmod 1777 /tmp && /bin/busybox --install -s"]
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["sh"]
EOF
  local hash
  hash=$(printf '%s %s' "$SELF_HASH" "$(hash_dir "$ctx")" | hash_of)
  up_to_date "$BUSYBOX_TAG" "$hash" && return
  build "$BUSYBOX_TAG" busybox "$hash" "$ctx"
}

# --- node ------------------------------------------------------------------------------------

# The SDK clients of package.json and every package they need, as paths under node_modules
# (one line each, "PATH VERSION"), resolved the way Node resolves them.
sdk_closure () {
  "$NODE_BIN" --input-type=module - "$ROOT" <<'EOF'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
const root = process.argv[2]
const modules = join(root, 'node_modules')
const manifest = dir => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
const own = manifest(root)
const roots = Object.keys({ ...own.dependencies, ...own.devDependencies })
  .filter(name => name.startsWith('@aws-sdk/client-') && existsSync(join(modules, name, 'package.json')))
const found = new Map()
function resolve (name, from) {
  for (let dir = from; dir.startsWith(modules) || dir === root; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    if (dir === root) break
  }
  return undefined
}
function visit (dir) {
  if (found.has(dir)) return
  const pkg = manifest(dir)
  found.set(dir, pkg.version)
  const needed = { ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies }
  for (const name of Object.keys(needed)) {
    const next = resolve(name, dir)
    if (next !== undefined) visit(next)
    else if (pkg.dependencies?.[name] !== undefined) throw new Error(`${name} (for ${dir}) is not installed`)
  }
}
for (const name of roots) visit(join(modules, name))
const paths = [...found.keys()].sort()
for (const p of paths) {
  if (paths.some(q => q !== p && p.startsWith(q + '/'))) continue // inside a package copied whole
  console.log(`${relative(modules, p)} ${found.get(p)}`)
}
EOF
}

# Shared libraries of the given binaries (ldd), the dynamic loader included.
libraries_of () {
  ldd "$@" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' | LC_ALL=C sort -u
}

# The iptables of this machine (for the agent's DNAT rule when the emulator runs in a
# container): the multi-call binary, its extensions and their libraries. Empty when absent.
iptables_files () {
  local bin
  bin=$(readlink -f "$(command -v iptables 2>/dev/null || echo /nonexistent)") || return 0
  [ -x "$bin" ] || return 0
  local ext
  ext=$(readlink -f "$(dirname "$(libraries_of "$bin" | grep -m1 libxtables || echo /x/x)")/xtables")
  printf '%s\n' "$bin"
  [ -d "$ext" ] && find "$ext" -name '*.so' | LC_ALL=C sort
  libraries_of "$bin" $([ -d "$ext" ] && find "$ext" -name '*.so')
}

stat_line () { stat -L -c '%n %s %Y' "$@"; }

node_image () {
  local closure
  closure=$(sdk_closure) || die 'cannot list the SDK packages in node_modules (run npm ci)'
  [ -n "$closure" ] || die 'no @aws-sdk/client-* package installed (run npm ci)'
  if [ -n "${NODE_IMAGE:-}" ]; then node_image_from "$closure"; return; fi
  find_busybox
  local libs ipt hash
  libs=$(libraries_of "$NODE_BIN")
  ipt=$(iptables_files | LC_ALL=C sort -u)
  hash=$( { echo "$SELF_HASH"; "$NODE_BIN" --version; stat_line "$NODE_BIN" $libs $ipt
    sha256sum "$BUSYBOX"; echo "$closure"; } | hash_of)
  up_to_date "$NODE_TAG" "$hash" && return

  local started=$SECONDS rootfs=$WORK/node-root
  BUILT=1
  mkdir -p "$rootfs"/{usr/local/bin,bin,sbin,usr/bin,usr/sbin,tmp,root,home/node,run,opt/node_modules}
  chmod 1777 "$rootfs/tmp"
  cp -L "$NODE_BIN" "$rootfs/usr/local/bin/node"
  local f
  for f in $libs $ipt; do mkdir -p "$rootfs$(dirname "$f")"; cp -L "$f" "$rootfs$f"; done
  if [ -n "$ipt" ]; then install_iptables "$rootfs" "$(iptables_files | head -1)"; fi
  cp "$BUSYBOX" "$rootfs/bin/busybox"
  "$BUSYBOX" --list-full | while read -r applet; do
    [ -e "$rootfs/$applet" ] || [ -L "$rootfs/$applet" ] || ln -s /bin/busybox "$rootfs/$applet"
  done
  base_files "$rootfs"
  echo 'node:x:1000:1000::/home/node:/bin/sh' >>"$rootfs/etc/passwd"
  echo 'node:x:1000:' >>"$rootfs/etc/group"
  for f in /etc/ssl/certs/ca-certificates.crt /etc/protocols /etc/services /etc/ethertypes; do
    [ -f "$f" ] && { mkdir -p "$rootfs$(dirname "$f")"; cp -L "$f" "$rootfs$f"; }
  done
  copy_closure "$closure" "$rootfs/opt/node_modules"
  ln -s opt/node_modules "$rootfs/node_modules" # ESM imports ignore NODE_PATH but walk up to /
  chown -R 1000:1000 "$rootfs/home/node"

  tar -C "$rootfs" --numeric-owner -cf - . | docker import \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV NODE_VERSION=$("$NODE_BIN" -p process.versions.node)" \
    --change 'ENV NODE_PATH=/opt/node_modules' \
    --change 'CMD ["node"]' \
    --change "LABEL ecs-emulator.image=node ecs-emulator.inputs=$hash" \
    - "$NODE_TAG" >/dev/null || die "$NODE_TAG: docker import failed"
  verify_node
  log "$NODE_TAG: built from $NODE_BIN ($("$NODE_BIN" --version)), inputs $hash, $((SECONDS - started)) s"
}

# The multi-call binary answers as iptables, ip6tables, iptables-save, ... by its name.
install_iptables () {
  local bin=$2 name
  for name in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sf "$bin" "$1/usr/sbin/$name"
  done
}

copy_closure () {
  echo "$1" | cut -d' ' -f1 | tar -C "$ROOT/node_modules" -cf - \
    --exclude='*.d.ts' --exclude='*.d.mts' --exclude='*.d.cts' --exclude='dist-types' --exclude='*.map' \
    -T - | tar -C "$2" -xf -
}

node_image_from () {
  local ctx=$WORK/node-from hash
  local_image "$NODE_IMAGE" NODE_IMAGE
  mkdir -p "$ctx/node_modules"
  hash=$( { echo "$SELF_HASH"; image_id "$NODE_IMAGE"; echo "$1"; } | hash_of)
  up_to_date "$NODE_TAG" "$hash" && return
  copy_closure "$1" "$ctx/node_modules"
  cat >"$ctx/Dockerfile" <<EOF
FROM $NODE_IMAGE
COPY node_modules /opt/node_modules
RUN ln -sfn /opt/node_modules /node_modules
ENV NODE_PATH=/opt/node_modules
EOF
  build "$NODE_TAG" node "$hash" "$ctx"
  verify_node
}

verify_node () {
  docker run --rm --network none --label ecs-emulator.image-check=node "$NODE_TAG" node -e "require('@aws-sdk/client-sts')" \
    || die "$NODE_TAG: require('@aws-sdk/client-sts') fails inside the image"
}

# --- images on top of busybox ----------------------------------------------------------------

pause_image () {
  local ctx=$WORK/pause hash
  mkdir -p "$ctx"
  cat >"$ctx/pause" <<'EOF'
#!/bin/sh
# Stand-in for the ECS agent's pause container: holds the task's namespaces until stopped.
trap 'exit 0' TERM INT
while :; do sleep 86400 & wait $!; done
EOF
  chmod 755 "$ctx/pause"
  printf '%s\n' "FROM $BUSYBOX_TAG" 'COPY pause /pause' 'ENTRYPOINT ["/pause"]' 'CMD []' >"$ctx/Dockerfile"
  hash=$(printf '%s %s %s' "$SELF_HASH" "$(image_id "$BUSYBOX_TAG")" "$(hash_dir "$ctx")" | hash_of)
  up_to_date "$PAUSE_TAG" "$hash" && return
  build "$PAUSE_TAG" pause "$hash" "$ctx"
}

# The real image: ENTRYPOINT ["/usr/bin/dumb-init", "/entrypoint"], CMD ["run",
# "--user=gitlab-runner", "--working-directory=/home/gitlab-runner"], STOPSIGNAL SIGQUIT,
# VOLUME /etc/gitlab-runner /home/gitlab-runner; /entrypoint installs a custom CA and execs
# gitlab-runner with its arguments. The stand-in keeps all of that; gitlab-runner itself is a
# shell script that reads its config, says what it would do and waits for a signal.
runner_image () {
  local ctx=$WORK/gitlab-runner hash
  mkdir -p "$ctx"
  cat >"$ctx/dumb-init" <<'EOF'
#!/bin/sh
# Stand-in for dumb-init: the child replaces it as PID 1 and handles its own signals.
exec "$@"
EOF
  cat >"$ctx/entrypoint" <<'EOF'
#!/bin/sh
CA_CERTIFICATES_PATH=${CA_CERTIFICATES_PATH:-/etc/gitlab-runner/certs/ca.crt}
if [ -f "$CA_CERTIFICATES_PATH" ]; then
  echo "Updating CA certificates..."
  mkdir -p /usr/local/share/ca-certificates && cp "$CA_CERTIFICATES_PATH" /usr/local/share/ca-certificates/ca.crt
fi
exec gitlab-runner "$@"
EOF
  cat >"$ctx/gitlab-runner" <<'EOF'
#!/bin/sh
# ecs-emulator's stand-in for GitLab Runner: no GitLab is contacted and no job runs. It
# answers commands the way the real binary does where that is cheap (an unknown command is
# fatal), reads the config it is pointed at and stays up until SIGTERM, SIGINT or SIGQUIT.
VERSION=0.0.0-ecs-emulator-stand-in
field () { printf '%-50s %s\n' "$1" "$2"; }
fatal () { echo "FATAL: $*"; exit 1; }

case "${1:-}" in
  --version|-v|-version|version)
    printf 'Version:      %s\nGit revision: stand-in\nOS/Arch:      linux/amd64\n' "$VERSION"; exit 0 ;;
  ''|help|--help|-h)
    printf 'USAGE:\n   gitlab-runner [global options] command [command options] [arguments...]\n\n'
    printf 'COMMANDS:\n   run, run-single, register, verify, list, --version\n'; exit 0 ;;
esac
field 'Runtime platform' "arch=amd64 os=linux pid=$$ revision=stand-in version=$VERSION"

command=$1; shift
config=/etc/gitlab-runner/config.toml runner='' max_builds=0 url='' workdir='' user=''
while [ $# -gt 0 ]; do
  case "$1" in
    --config|-c) config=$2; shift 2 ;;       --config=*|-c=*) config=${1#*=}; shift ;;
    --name|--runner|-n) runner=$2; shift 2 ;; --name=*|--runner=*) runner=${1#*=}; shift ;;
    --max-builds) max_builds=$2; shift 2 ;;   --max-builds=*) max_builds=${1#*=}; shift ;;
    --url|-u) url=$2; shift 2 ;;              --url=*) url=${1#*=}; shift ;;
    --working-directory|-d) workdir=$2; shift 2 ;; --working-directory=*) workdir=${1#*=}; shift ;;
    --user) user=$2; shift 2 ;;               --user=*) user=${1#*=}; shift ;;
    *) shift ;;
  esac
done

runners () { sed -n 's/^[[:space:]]*name[[:space:]]*=[[:space:]]*"\(.*\)".*/\1/p' "$config"; }
urls () { sed -n 's/^[[:space:]]*url[[:space:]]*=[[:space:]]*"\(.*\)".*/\1/p' "$config"; }

wait_for_signal () {
  trap 'echo "Starting graceful shutdown...  builds=0"; echo "Graceful shutdown done"; exit 0' QUIT
  trap 'echo "Shutting down...  builds=0"; exit 0' TERM INT
  while :; do sleep 86400 & wait $!; done
}

case "$command" in
  run)
    echo "Starting multi-runner from $config...  builds=0 max_builds=0"
    [ -n "$user" ] && echo "Running in system-mode."
    if [ -f "$config" ]; then
      echo "Configuration loaded  builds=0 max_builds=0"
      for name in $(runners); do echo "(stand-in) would poll for jobs as runner \"$name\"  workdir=${workdir:-/}"; done
    else
      echo "ERROR: Failed to load config stat $config: no such file or directory  builds=0 max_builds=0"
    fi
    wait_for_signal ;;
  run-single)
    if [ -f "$config" ]; then
      if [ -n "$runner" ] && ! runners | grep -qxF "$runner"; then
        fatal "Could not find a runner named \"$runner\" in $config (stand-in message)"
      fi
      url=${url:-$(urls | head -1)}
      echo "Configuration loaded from $config  runner=${runner:-first}"
    elif [ -z "$url" ]; then
      fatal "loading config: stat $config: no such file or directory (stand-in message)"
    fi
    echo "Starting runner for $url with token *** ...  max_builds=$max_builds"
    echo "(stand-in) would run up to $max_builds job(s) and exit; waiting for a signal instead"
    wait_for_signal ;;
  register|verify|unregister|list)
    echo "(stand-in) gitlab-runner $command: no GitLab to talk to"; exit 0 ;;
  *)
    fatal "Command $command not found." ;;
esac
EOF
  chmod 755 "$ctx/dumb-init" "$ctx/entrypoint" "$ctx/gitlab-runner"
  cat >"$ctx/Dockerfile" <<EOF
FROM $BUSYBOX_TAG
COPY dumb-init /usr/bin/dumb-init
COPY gitlab-runner /usr/bin/gitlab-runner
COPY entrypoint /entrypoint
RUN echo 'gitlab-runner:x:999:999::/home/gitlab-runner:/bin/sh' >>/etc/passwd \\
 && echo 'gitlab-runner:x:999:' >>/etc/group \\
 && mkdir -p /etc/gitlab-runner/certs /home/gitlab-runner && chown 999:999 /home/gitlab-runner \\
 && chmod -R 700 /etc/gitlab-runner
STOPSIGNAL SIGQUIT
VOLUME ["/etc/gitlab-runner", "/home/gitlab-runner"]
ENTRYPOINT ["/usr/bin/dumb-init", "/entrypoint"]
CMD ["run", "--user=gitlab-runner", "--working-directory=/home/gitlab-runner"]
EOF
  hash=$(printf '%s %s %s' "$SELF_HASH" "$(image_id "$BUSYBOX_TAG")" "$(hash_dir "$ctx")" | hash_of)
  up_to_date "$RUNNER_TAG" "$hash" && return
  build "$RUNNER_TAG" gitlab-runner "$hash" "$ctx"
}

# --- main ------------------------------------------------------------------------------------

wanted () { case " ${ONLY[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# pause and gitlab-runner are built on busybox: make sure it is there when either is asked for.
if wanted busybox || { { wanted pause || wanted gitlab-runner; } && [ -z "$(inputs_of "$BUSYBOX_TAG")" ]; }; then
  busybox_image
fi
wanted node && node_image
wanted pause && pause_image
wanted gitlab-runner && runner_image
# The images a rebuild replaced, now untagged, unless a container still uses them.
[ "$BUILT" = 0 ] || docker image prune -f --filter label=ecs-emulator.image >/dev/null 2>&1 || true
exit 0
