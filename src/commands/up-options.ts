/** `up`'s options, in its usage and in the CLI's: kept apart, so that `--help` loads no server. */
export const UP_OPTIONS = `  --port N            port to listen on (4566; 0 takes a free one) ECS_EMULATOR_PORT
  --host H            address to listen on (127.0.0.1)             ECS_EMULATOR_HOST
  --data-dir D        where state.db lives, or :memory: (./data)   ECS_EMULATOR_DATA_DIR
  --region R          default region (us-east-1)                   ECS_EMULATOR_REGION
  --account-id N      the account of test/test (000000000000)      ECS_EMULATOR_ACCOUNT_ID
  --auth strict|open  check SigV4 signatures (strict)              ECS_EMULATOR_AUTH
  --iam enforce|soft  deny what AWS would deny (enforce)           ECS_EMULATOR_IAM
  --log-level L       pino level (info; debug: every request)      ECS_EMULATOR_LOG_LEVEL
  --no-agent          start no agent (built-in, or RunInstances)   ECS_EMULATOR_AGENT=false
  --decision-log-limit N
                      decisions kept, newest first (200000)        ECS_EMULATOR_DECISION_LOG_LIMIT
  --no-built-in-agent
                      only RunInstances' agents start              ECS_EMULATOR_BUILT_IN_AGENT=false
  --agent-image IMG   run agents as containers of IMG (compose)    ECS_EMULATOR_AGENT_IMAGE
  --agent-endpoint U  the API as those agents call it              ECS_EMULATOR_AGENT_ENDPOINT
  --time-scale X      multiply AWS's delays by X (1)               ECS_EMULATOR_TIME_SCALE
  --registry-port N   ECR registry port on 127.0.0.1 (port + 1)    ECS_EMULATOR_REGISTRY_PORT
  --instance-host H   where instances' host ports are (127.0.0.1)  ECS_EMULATOR_INSTANCE_HOST
`
