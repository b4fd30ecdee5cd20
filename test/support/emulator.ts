/**
 * Starts an in-process emulator on a free loopback port for one test file, with SDK clients
 * already pointed at it, and records every AWS response for the conformance check.
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ECSClient } from '@aws-sdk/client-ecs'
import { IAMClient } from '@aws-sdk/client-iam'
import { STSClient } from '@aws-sdk/client-sts'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SSMClient } from '@aws-sdk/client-ssm'
import { ECRClient } from '@aws-sdk/client-ecr'
import { EfsClient } from './efs-client.js'
import pino from 'pino'
import { afterAll, beforeAll, expect } from 'vitest'
import { loadConfig, type Config } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { checkResponse } from './shape-check.js'
import { sarProblems } from './sar-check.js'

export interface Credentials { accessKeyId: string, secretAccessKey: string, sessionToken?: string }

export const ROOT: Credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

export interface Clients {
  ecs: ECSClient
  iam: IAMClient
  sts: STSClient
  logs: CloudWatchLogsClient
  secretsmanager: SecretsManagerClient
  ssm: SSMClient
  ecr: ECRClient
  /** (@aws-sdk/client-efs is not installed: a model-driven restJson1 client, test/support/efs-client.ts) */
  efs: EfsClient
}

export interface TestEmulator extends RunningServer {
  /** SDK clients for any credentials (root by default), in `region` (us-east-1 by default). */
  clients (credentials?: Credentials, region?: string): Clients
  /** Conformance violations seen so far in this file. */
  violations: string[]
}

const RECORDS = process.env.ECS_EMULATOR_TEST_RECORDS

export interface StartOptions {
  /** Receives every log line (JSON) at `level`; by default nothing is logged. */
  logLines?: string[]
  level?: string
}

export async function startEmulator (overrides: Partial<Config> = {}, options: StartOptions = {}): Promise<TestEmulator> {
  // A free registry port even when a test fixes the API's (the default would be port + 1,
  // which another suite may hold).
  const config = loadConfig([], { ECS_EMULATOR_TIME_SCALE: process.env.ECS_EMULATOR_TIME_SCALE }, { port: 0, registryPort: 0, dataDir: ':memory:', logLevel: 'silent', ...overrides })
  const violations: string[] = []
  const server = await startServer(config, {
    log: options.logLines === undefined
      ? pino({ level: process.env.ECS_EMULATOR_TEST_LOG ?? 'silent' })
      : pino({ level: options.level ?? 'info' }, { write: (line: string) => { options.logLines!.push(line) } }),
    onResponse (r) {
      // An operation outside the model can only have been answered as unknown: nothing to check.
      const problems = unknownOperationAnswer(r) ? [] : checkResponse(r)
      for (const p of problems) violations.push(`${r.service}.${r.operation} (${r.status}): ${p}`)
      if (RECORDS !== undefined) record(r.service, r.operation, r.status)
    }
  })
  return {
    ...server,
    violations,
    async close () {
      const auths = server.emulator.decisions.query({ limit: 10_000 })
      violations.push(...await sarProblems(auths))
      await server.close()
    },
    clients (credentials = ROOT, region = 'us-east-1') {
      const common = { endpoint: server.url, region, credentials, maxAttempts: 1 }
      return {
        ecs: new ECSClient(common), iam: new IAMClient(common), sts: new STSClient(common),
        logs: new CloudWatchLogsClient(common), secretsmanager: new SecretsManagerClient(common), ssm: new SSMClient(common),
        ecr: new ECRClient(common),
        efs: new EfsClient(common)
      }
    }
  }
}

export interface UsedEmulator {
  /** The emulator this file's tests talk to (from `beforeAll` on). */
  readonly emu: TestEmulator
  /** Root clients in us-east-1. */
  readonly ecs: ECSClient
  readonly iam: IAMClient
  readonly sts: STSClient
  readonly logs: CloudWatchLogsClient
  readonly secretsmanager: SecretsManagerClient
  readonly ssm: SSMClient
  readonly ecr: ECRClient
  readonly efs: EfsClient
}

/**
 * Starts one emulator for the test file (`beforeAll`), closes it and expects no conformance
 * violations (`afterAll`). Read the getters inside hooks and tests only.
 */
export function useEmulator (overrides: Partial<Config> = {}, options: StartOptions = {}): UsedEmulator {
  let running: { emu: TestEmulator, root: ReturnType<TestEmulator['clients']> } | undefined
  beforeAll(async () => {
    const emu = await startEmulator(overrides, options)
    running = { emu, root: emu.clients() }
  })
  afterAll(async () => {
    if (running === undefined) return // the failed start is reported already
    await running.emu.close()
    expect(running.emu.violations).toEqual([])
  })

  const started = () => {
    if (running === undefined) {
      throw new Error('the emulator starts in beforeAll: use it in a hook or a test')
    }
    return running
  }
  return {
    get emu () { return started().emu },
    get ecs () { return started().root.ecs },
    get iam () { return started().root.iam },
    get sts () { return started().root.sts },
    get logs () { return started().root.logs },
    get secretsmanager () { return started().root.secretsmanager },
    get ssm () { return started().root.ssm },
    get ecr () { return started().root.ecr },
    get efs () { return started().root.efs }
  }
}

function record (service: string, operation: string, status: number): void {
  mkdirSync(RECORDS!, { recursive: true })
  appendFileSync(join(RECORDS!, `${process.pid}.jsonl`), JSON.stringify({ service, operation, status }) + '\n')
}

function unknownOperationAnswer (r: { status: number, body: string }): boolean {
  return r.status === 400 && /UnknownOperationException|<Code>InvalidAction<\/Code>/.test(r.body)
}
