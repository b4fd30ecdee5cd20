#!/usr/bin/env bash
# The docker-compose.yml set-up end to end, as a user runs it: `docker-compose up` (1.29, or
# COMPOSE="docker compose"), then through the AWS CLI a task that reaches 169.254.170.2 (its
# metadata) and the API through it, and the services of examples/alb-web-service behind an
# ALB (bridge: instance targets; awsvpc: ip targets on the compose network), each reached
# through the API's port with the load balancer's DNS name as Host; then POST /_emulator/reset,
# after which the agent service joins again as a new instance and runs the probe; then `down -v`.
#
# Everything it starts is its own: a compose project, network and volume named
# ecs-emulator-smoke-ID, labels ecs-emulator.test-run=ID and ecs-emulator.test-scope=compose-smoke
# on the services, the network, the volume and every task container, and free host ports. It
# removes them all on exit, failed or not. Bounded: SMOKE_TIMEOUT seconds (300) in all.
#
# usage: scripts/compose-smoke.sh [--keep]     (--keep: leave the set-up up, for a look)
# Environment:
#   NODE_IMAGE, BUILD_FROM   the image's base and build (see Dockerfile). Unset: the official
#                            node:20-bookworm-slim when it is on this engine, else (offline)
#                            ecs-emulator/node:MAJOR from scripts/images.sh and BUILD_FROM=host,
#                            which takes this checkout's dist/ and node_modules/
#   COMPOSE                  the compose command (default docker-compose)
#   SMOKE_TIMEOUT            seconds for the whole run (300)
#   ECS_EMULATOR_TEST_RUN    the run id for the labels (else one is made)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
KEEP=0
[ "${1:-}" = --keep ] && KEEP=1
STARTED=$SECONDS
TIMEOUT=${SMOKE_TIMEOUT:-300}
read -ra COMPOSE_CMD <<<"${COMPOSE:-docker-compose}"

log () { printf '[compose-smoke %3ds] %s\n' "$((SECONDS - STARTED))" "$*" >&2; }
die () { log "FAILED: $*"; exit 1; }
left () { local n=$((TIMEOUT - (SECONDS - STARTED))); [ "$n" -gt 0 ] || die "out of time (${TIMEOUT} s)"; echo "$n"; }
# bounded CMD...: the command, killed when the run's time is up.
bounded () { timeout --kill-after=5 "$(left)" "$@"; }

command -v docker >/dev/null || die 'the docker CLI is not installed'
docker info >/dev/null 2>&1 || die 'the Docker engine does not answer (docker info): start it first'
"${COMPOSE_CMD[@]}" version >/dev/null 2>&1 || die "${COMPOSE_CMD[*]} is not installed (apt-get install docker-compose)"
command -v aws >/dev/null || die 'the AWS CLI is not installed'
command -v jq >/dev/null || die 'jq is not installed (examples/alb-web-service/up.sh needs it)'

free_port () { node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close() })"; }

RUN=${ECS_EMULATOR_TEST_RUN:-smoke-$(date +%s)-$$}
ID=$(printf '%s' "$RUN" | tr -c 'a-zA-Z0-9\n' '-' | tr 'A-Z' 'a-z' | cut -c1-40)
export COMPOSE_PROJECT_NAME=ecs-emulator-smoke-$ID
export ECS_EMULATOR_NETWORK=$COMPOSE_PROJECT_NAME ECS_EMULATOR_DATA_VOLUME=$COMPOSE_PROJECT_NAME
export ECS_EMULATOR_IMAGE=ecs-emulator:smoke-$ID
export ECS_EMULATOR_PORT=${ECS_EMULATOR_PORT:-$(free_port)}
export ECS_EMULATOR_REGISTRY_PORT=${ECS_EMULATOR_REGISTRY_PORT:-$(free_port)}
export ECS_EMULATOR_TIME_SCALE=${ECS_EMULATOR_TIME_SCALE:-0.1}
LABEL_RUN="ecs-emulator.test-run=$RUN"
LABEL_SCOPE=ecs-emulator.test-scope=compose-smoke
export ECS_EMULATOR_AGENT_LABELS="$LABEL_RUN,$LABEL_SCOPE"

if [ -z "${NODE_IMAGE:-}" ]; then
  if docker image inspect node:20-bookworm-slim >/dev/null 2>&1; then
    export NODE_IMAGE=node:20-bookworm-slim
  else
    log 'node:20-bookworm-slim is not on this engine: building offline from ecs-emulator/node (BUILD_FROM=host)'
    bounded scripts/images.sh --only node >&2
    NODE_IMAGE=ecs-emulator/node:$(node -p 'process.versions.node.split(".")[0]')
    export NODE_IMAGE BUILD_FROM=${BUILD_FROM:-host}
  fi
fi
bounded scripts/images.sh --only busybox >&2
if [ "${BUILD_FROM:-auto}" != source ] && [ ! -f dist/cli.js ]; then
  die 'dist/cli.js is missing: run npm ci && npm run build first (or BUILD_FROM=source with a registry)'
fi

# Labels for what compose makes, in a file of its own beside the project's (compose 1.29
# replaces a top-level network or volume an override names, so their names are given again).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ecs-emulator-compose-smoke.XXXXXX")
LABELS="    labels:
      ecs-emulator.test-run: \"$RUN\"
      ecs-emulator.test-scope: compose-smoke"
cat >"$WORK/labels.yml" <<EOF
version: "2.4"
services:
  control-plane:
$LABELS
  agent:
$LABELS
networks:
  ecs-emulator:
    name: $ECS_EMULATOR_NETWORK
$LABELS
volumes:
  data:
    name: $ECS_EMULATOR_DATA_VOLUME
$LABELS
EOF
COMPOSE_ARGS=("${COMPOSE_CMD[@]}" -f docker-compose.yml -f "$WORK/labels.yml")

cleanup () {
  local code=$?
  trap - EXIT INT TERM
  if [ "$KEEP" = 1 ] && [ "$code" = 0 ]; then
    log "kept: AWS_ENDPOINT_URL=http://127.0.0.1:$ECS_EMULATOR_PORT; take it down with:"
    log "  COMPOSE_PROJECT_NAME=$COMPOSE_PROJECT_NAME ECS_EMULATOR_NETWORK=$ECS_EMULATOR_NETWORK ECS_EMULATOR_DATA_VOLUME=$ECS_EMULATOR_DATA_VOLUME ${COMPOSE_CMD[*]} down -v; docker rm -f \$(docker ps -aq --filter label=$LABEL_RUN)"
    rm -rf "$WORK"; exit 0
  fi
  if [ "$code" != 0 ]; then
    log 'the last lines of each service:'
    timeout 20 "${COMPOSE_ARGS[@]}" logs --no-color --tail=40 >&2 2>&1 || true
  fi
  log 'taking everything down'
  # The agent first, given time to remove its 169.254.170.2 rules (a rule left behind would
  # send the next container with that address to a closed port); the task containers it ran,
  # which compose does not know, go next.
  timeout 40 "${COMPOSE_ARGS[@]}" stop -t 30 agent >/dev/null 2>&1 || true
  timeout 60 "${COMPOSE_ARGS[@]}" down -v --remove-orphans \
    >/dev/null 2>&1 || true
  local ids
  ids=$(docker ps -aq --filter "label=$LABEL_RUN" --filter "label=$LABEL_SCOPE")
  [ -z "$ids" ] || docker rm -f -v $ids >/dev/null 2>&1 || true
  docker network ls -q --filter "label=$LABEL_RUN" --filter "label=$LABEL_SCOPE" | xargs -r docker network rm >/dev/null 2>&1 || true
  docker volume ls -q --filter "label=$LABEL_RUN" --filter "label=$LABEL_SCOPE" | xargs -r docker volume rm >/dev/null 2>&1 || true
  docker image rm "$ECS_EMULATOR_IMAGE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  if [ "$code" = 0 ]; then log "passed in $((SECONDS - STARTED)) s"; else log "failed (exit $code) after $((SECONDS - STARTED)) s"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "up: project $COMPOSE_PROJECT_NAME, API on 127.0.0.1:$ECS_EMULATOR_PORT, base $NODE_IMAGE (BUILD_FROM=${BUILD_FROM:-auto})"
bounded "${COMPOSE_ARGS[@]}" build --force-rm >"$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log" >&2; die 'the image did not build'; }
log 'built; starting the control plane, then (once it is healthy) the agent'
bounded "${COMPOSE_ARGS[@]}" up -d >&2 || die 'docker-compose up failed'

export AWS_ENDPOINT_URL=http://127.0.0.1:$ECS_EMULATOR_PORT AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=''
unset AWS_SESSION_TOKEN AWS_PROFILE
awscli () { bounded aws --endpoint-url "$AWS_ENDPOINT_URL" --output json "$@"; }

# until SECONDS COMMAND...: COMMAND until it succeeds, at most SECONDS.
until_ok () { local end=$((SECONDS + $1)); shift; until "$@"; do [ $SECONDS -lt $end ] || return 1; sleep 1; done; }

health () { curl -fsS --max-time 2 "$AWS_ENDPOINT_URL/_emulator/health" >/dev/null 2>&1; }
until_ok 60 health || die "the API does not answer on $AWS_ENDPOINT_URL"
# connected CLUSTER FIELD: FIELD of each ACTIVE container instance of CLUSTER whose agent is connected.
connected () {
  aws ecs describe-container-instances --cluster "$1" --output text \
    --query "containerInstances[?agentConnected && status=='ACTIVE'].$2" \
    --container-instances $(aws ecs list-container-instances --cluster "$1" --query 'containerInstanceArns' --output text 2>/dev/null) 2>/dev/null
}
joined () { [ "$(connected default status)" = ACTIVE ]; }
until_ok 60 joined || die 'the agent did not join the default cluster'
log 'the agent has joined: one ACTIVE, connected container instance in default'

# A task that reads its metadata at 169.254.170.2 and the API through it, and exits 0 on both.
# It tries for a while: a bridge container's route to 169.254.170.2 is added once it has
# started, as an application's SDK retries its first credentials call.
PROBE='for i in $(seq 1 15); do
  if timeout 3 wget -q -O- "$ECS_CONTAINER_METADATA_URI_V4/task" | grep -q TaskARN &&
    timeout 3 wget -q -O- http://169.254.170.2/_emulator/health | grep -q region; then echo reached; exit 0; fi
  sleep 1
done; echo "169.254.170.2 unreachable"; exit 1'
# probe: registers and runs that task, and fails unless it exits 0.
probe () {
  local task code
  awscli ecs register-task-definition --family compose-probe --container-definitions "$(jq -cn --arg cmd "$PROBE" \
    '[{name: "probe", image: "ecs-emulator/busybox:latest", memory: 32, essential: true, command: ["sh", "-c", $cmd]}]')" >/dev/null
  task=$(awscli ecs run-task --task-definition compose-probe --query 'tasks[0].taskArn' --output text)
  log "task $task"
  awscli ecs wait tasks-stopped --tasks "$task"
  code=$(awscli ecs describe-tasks --tasks "$task" --query 'tasks[0].containers[0].exitCode' --output text)
  [ "$code" = 0 ] || die "the task did not reach 169.254.170.2 and the API (exit code $code: $(awscli ecs describe-tasks --tasks "$task" --query 'tasks[0].[stoppedReason,containers[0].reason]' --output text))"
}
probe
log 'the task reached its metadata and the API at 169.254.170.2, and exited 0'

# through_api DNS_NAME: the listener's answer on /app/ through the API's port, by Host.
through_api () { curl -fsS --max-time 5 -H "Host: $1" "$AWS_ENDPOINT_URL/app/"; }

service () {
  local mode=$1 out dns page
  log "$mode: examples/alb-web-service/up.sh (a service of two tasks behind an ALB)"
  out=$(MODE=$mode SERVICE=web-$mode DEREGISTRATION_DELAY=1 bounded examples/alb-web-service/up.sh 2>"$WORK/up-$mode.log") \
    || { tail -20 "$WORK/up-$mode.log" >&2; die "up.sh MODE=$mode failed"; }
  dns=$(sed -n 's/^DNS_NAME=//p' <<<"$out")
  page=''
  for _ in $(seq 1 30); do page=$(through_api "$dns" 2>/dev/null) && break; sleep 1; done
  [ -n "$page" ] || die "$mode: the listener did not answer through 127.0.0.1:$ECS_EMULATOR_PORT with Host: $dns"
  log "$mode: curl -H 'Host: $dns' $AWS_ENDPOINT_URL/app/ -> $page"
  grep -q ' v1$' <<<"$page" || die "$mode: unexpected page '$page'"
}
service bridge
service awsvpc

# RunInstances: the control plane starts the instance's agent as a container of its image,
# which joins the cluster its user data names.
awscli ecs create-cluster --cluster-name fleet >/dev/null
AMI=$(awscli ssm get-parameter --name /aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id --query Parameter.Value --output text)
INSTANCE=$(awscli ec2 run-instances --image-id "$AMI" --instance-type t3.small --count 1 \
  --iam-instance-profile Name=ecs-emulator-instance-profile \
  --user-data $'#!/bin/bash\necho ECS_CLUSTER=fleet >> /etc/ecs/ecs.config' --query 'Instances[0].InstanceId' --output text)
fleet_joined () { [ "$(connected fleet ec2InstanceId)" = "$INSTANCE" ]; }
until_ok 90 fleet_joined || die "RunInstances' instance $INSTANCE did not join fleet"
agent_container () { docker ps -q --filter "label=ecs-emulator.agent=$INSTANCE" | grep -q .; }
agent_container || die "no agent container for $INSTANCE"
log "RunInstances: $INSTANCE joined fleet through an agent container of the control plane's"

# POST /_emulator/reset: the control plane stops the agent container it started; the agent
# service learns of the reset, removes its tasks' containers and joins default again as a new
# container instance, which runs the probe again.
instance () { connected default containerInstanceArn; }
tasks_left () { docker ps -aq --filter "label=$LABEL_RUN" --filter label=com.amazonaws.ecs.task-arn | grep -q .; }
BEFORE=$(instance)
tasks_left || die 'no task containers before the reset'
curl -fsS --max-time 30 -X POST "$AWS_ENDPOINT_URL/_emulator/reset" >/dev/null || die 'POST /_emulator/reset failed'
log 'reset; waiting for the task containers to go and the agent to join again'
gone () { ! tasks_left; }
until_ok 60 gone || die "the task containers are still there after the reset: $(docker ps -a --filter "label=$LABEL_RUN" --filter label=com.amazonaws.ecs.task-arn --format '{{.Names}}' | tr '\n' ' ')"
rejoined () { local now; now=$(instance); [ -n "$now" ] && [ "$now" != "$BEFORE" ]; }
until_ok 60 rejoined || die 'the agent did not join default again after the reset'
! agent_container || die "the agent container of $INSTANCE is still there after the reset"
probe
log "after the reset: the agent rejoined as $(instance | sed 's|.*/||'), its old tasks' containers are gone, and the probe ran again"
