#!/usr/bin/env bash
# The commands of README.md, in order, against the emulator at AWS_ENDPOINT_URL: the service
# role, the task definition, a target group, an ALB, a listener with a path rule and a service
# of two tasks behind it. Progress goes to stderr; the last lines on stdout are NAME=value
# pairs (the listener URL among them), so that `eval "$(./up.sh)"` sets them in your shell.
#
#   MODE=bridge (default): instance targets, the classic ecsServiceRole passed as `role`.
#   MODE=awsvpc: ip targets, no `role` (ECS uses its service-linked role).
#   SERVICE_ROLE_POLICY_FILE=FILE: the role gets FILE as its only (inline) policy instead of
#     AmazonEC2ContainerServiceRole (the drill: service-role-without-register-targets.json).
#   WAIT=0: do not wait for the service to be stable.
set -euo pipefail

export AWS_ENDPOINT_URL=${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
export AWS_PAGER=''
MODE=${MODE:-bridge}
CLUSTER=${CLUSTER:-default}
SERVICE=${SERVICE:-web}
DESIRED_COUNT=${DESIRED_COUNT:-2}
TARGET_GROUP=${TARGET_GROUP:-web-$MODE}
LOAD_BALANCER=${LOAD_BALANCER:-web-$MODE}
SERVICE_ROLE=${SERVICE_ROLE:-ecsServiceRole}
DEREGISTRATION_DELAY=${DEREGISTRATION_DELAY:-5}
GRACE_PERIOD=${GRACE_PERIOD:-10}
WAIT=${WAIT:-1}
HERE=$(cd "$(dirname "$0")" && pwd)

say () { echo "== $*" >&2; }

case $MODE in
  bridge) TASK_DEFINITION=$HERE/task-definition.json TARGET_TYPE=instance ;;
  awsvpc) TASK_DEFINITION=$HERE/task-definition-awsvpc.json TARGET_TYPE=ip ;;
  *) echo "MODE is bridge or awsvpc, not $MODE" >&2; exit 2 ;;
esac

say "the cluster $CLUSTER"
aws ecs create-cluster --cluster-name "$CLUSTER" --query 'cluster.status' --output text >&2

if [ "$MODE" = bridge ]; then
  say "the service role $SERVICE_ROLE (trusts ecs.amazonaws.com)"
  aws iam create-role --role-name "$SERVICE_ROLE" --query 'Role.Arn' --output text \
    --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >&2
  if [ -z "${SERVICE_ROLE_POLICY_FILE:-}" ]; then
    aws iam attach-role-policy --role-name "$SERVICE_ROLE" \
      --policy-arn arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole
  else
    aws iam put-role-policy --role-name "$SERVICE_ROLE" --policy-name service-role \
      --policy-document "file://$SERVICE_ROLE_POLICY_FILE"
  fi
fi

say "the task definition"
TASK_DEFINITION_ARN=$(aws ecs register-task-definition --cli-input-json "file://$TASK_DEFINITION" \
  --query 'taskDefinition.taskDefinitionArn' --output text)
echo "$TASK_DEFINITION_ARN" >&2

say "the default VPC, two of its subnets and its default security group"
VPC=$(aws ec2 describe-vpcs --filters Name=is-default,Values=true --query 'Vpcs[0].VpcId' --output text)
SUBNETS=$(aws ec2 describe-subnets --filters "Name=vpc-id,Values=$VPC" Name=default-for-az,Values=true \
  --query 'Subnets[].SubnetId' --output text)
SECURITY_GROUP=$(aws ec2 describe-security-groups \
  --filters "Name=vpc-id,Values=$VPC" Name=group-name,Values=default --query 'SecurityGroups[0].GroupId' --output text)
echo "$VPC: $SUBNETS ($SECURITY_GROUP)" >&2

say "the target group $TARGET_GROUP ($TARGET_TYPE targets, health check GET /health)"
TARGET_GROUP_ARN=$(aws elbv2 create-target-group --name "$TARGET_GROUP" --protocol HTTP --port 8080 \
  --vpc-id "$VPC" --target-type "$TARGET_TYPE" --health-check-path /health \
  --health-check-interval-seconds 5 --health-check-timeout-seconds 2 \
  --healthy-threshold-count 2 --unhealthy-threshold-count 2 \
  --query 'TargetGroups[0].TargetGroupArn' --output text)
aws elbv2 modify-target-group-attributes --target-group-arn "$TARGET_GROUP_ARN" \
  --attributes "Key=deregistration_delay.timeout_seconds,Value=$DEREGISTRATION_DELAY" \
  --query 'Attributes[?Key==`deregistration_delay.timeout_seconds`].Value' --output text >&2

say "the load balancer $LOAD_BALANCER"
# shellcheck disable=SC2086 # two subnet ids, split on purpose
LOAD_BALANCER_ARN=$(aws elbv2 create-load-balancer --name "$LOAD_BALANCER" --type application \
  --subnets $(echo $SUBNETS | cut -d' ' -f1-2) --security-groups "$SECURITY_GROUP" \
  --query 'LoadBalancers[0].LoadBalancerArn' --output text)
aws elbv2 wait load-balancer-available --load-balancer-arns "$LOAD_BALANCER_ARN"
DNS_NAME=$(aws elbv2 describe-load-balancers --load-balancer-arns "$LOAD_BALANCER_ARN" \
  --query 'LoadBalancers[0].DNSName' --output text)

say "the listener on port 80: /app/* to the target group, anything else 404"
LISTENER_ARN=$(aws elbv2 create-listener --load-balancer-arn "$LOAD_BALANCER_ARN" --protocol HTTP --port 80 \
  --default-actions '[{"Type":"fixed-response","FixedResponseConfig":{"StatusCode":"404","ContentType":"text/plain","MessageBody":"no route"}}]' \
  --query 'Listeners[0].ListenerArn' --output text)
aws elbv2 create-rule --listener-arn "$LISTENER_ARN" --priority 10 \
  --conditions '[{"Field":"path-pattern","PathPatternConfig":{"Values":["/app/*"]}}]' \
  --actions "Type=forward,TargetGroupArn=$TARGET_GROUP_ARN" --query 'Rules[0].RuleArn' --output text >&2

say "the service $SERVICE: $DESIRED_COUNT tasks behind the target group"
if [ "$MODE" = bridge ]; then
  SERVICE_ARN=$(aws ecs create-service --cluster "$CLUSTER" --service-name "$SERVICE" \
    --task-definition "$TASK_DEFINITION_ARN" --desired-count "$DESIRED_COUNT" --launch-type EC2 \
    --role "$SERVICE_ROLE" \
    --load-balancers "targetGroupArn=$TARGET_GROUP_ARN,containerName=web,containerPort=8080" \
    --health-check-grace-period-seconds "$GRACE_PERIOD" \
    --deployment-configuration maximumPercent=200,minimumHealthyPercent=100 \
    --query 'service.serviceArn' --output text)
else
  SERVICE_ARN=$(aws ecs create-service --cluster "$CLUSTER" --service-name "$SERVICE" \
    --task-definition "$TASK_DEFINITION_ARN" --desired-count "$DESIRED_COUNT" --launch-type EC2 \
    --network-configuration "awsvpcConfiguration={subnets=[$(echo $SUBNETS | tr ' ' ',')],securityGroups=[$SECURITY_GROUP]}" \
    --load-balancers "targetGroupArn=$TARGET_GROUP_ARN,containerName=web,containerPort=8080" \
    --health-check-grace-period-seconds "$GRACE_PERIOD" \
    --deployment-configuration maximumPercent=200,minimumHealthyPercent=100 \
    --query 'service.serviceArn' --output text)
fi
echo "$SERVICE_ARN" >&2

# Port 80 is privileged here: the emulator listens on a free port and says which.
HOST_PORT=''
for _ in $(seq 1 100); do
  HOST_PORT=$(curl -fsS "$AWS_ENDPOINT_URL/_emulator/listeners" |
    jq -r --arg arn "$LISTENER_ARN" '.listeners[] | select(.ListenerArn == $arn) | .HostPort')
  [ -n "$HOST_PORT" ] && break
  sleep 0.1
done
[ -n "$HOST_PORT" ] || { echo "the listener $LISTENER_ARN has no host port" >&2; exit 1; }

if [ "$WAIT" = 1 ]; then
  say "waiting for the service to be stable"
  aws ecs wait services-stable --cluster "$CLUSTER" --services "$SERVICE"
  say "waiting for its targets to pass their health checks"
  aws elbv2 wait target-in-service --target-group-arn "$TARGET_GROUP_ARN"
fi

say "try: curl http://127.0.0.1:$HOST_PORT/app/   (or curl -H 'Host: $DNS_NAME' $AWS_ENDPOINT_URL/app/)"
cat <<EOF
CLUSTER=$CLUSTER
SERVICE=$SERVICE
SERVICE_ARN=$SERVICE_ARN
TASK_DEFINITION_ARN=$TASK_DEFINITION_ARN
TARGET_GROUP_ARN=$TARGET_GROUP_ARN
LOAD_BALANCER_ARN=$LOAD_BALANCER_ARN
LISTENER_ARN=$LISTENER_ARN
DNS_NAME=$DNS_NAME
LISTENER_URL=http://127.0.0.1:$HOST_PORT
EOF
