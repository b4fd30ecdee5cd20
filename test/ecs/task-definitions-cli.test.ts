import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { useEmulator } from '../support/emulator.js'
import { CLIS, cliTitle, aws, type AwsCli } from '../support/cli.js'

const CARD = fileURLToPath(new URL('../../examples/gitlab-runner/task-definition.json', import.meta.url))
const FIXED = fileURLToPath(new URL('../../examples/gitlab-runner/task-definition.fixed.json', import.meta.url))

const t = useEmulator()
let dir: string
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'ecs-td-cli-')) })
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const family = (cli: AwsCli) => `cli-v${cli.version}`
const arn = (cli: AwsCli) => `arn:aws:ecs:us-east-1:000000000000:task-definition/${family(cli)}:1`

/** Runs `args` with every installed CLI at once, and returns each CLI's result. */
const eachCli = (args: (cli: AwsCli) => string[]) =>
  Promise.all(CLIS.map(async cli => ({ cli, r: await aws(cli, t.emu.url, ['ecs', ...args(cli)]) })))

describe.skipIf(CLIS.length === 0)(cliTitle(`aws ecs task definitions (CLI ${CLIS.map(c => `v${c.version}`).join(', ')})`), () => {
  it('register-task-definition --cli-input-json registers the corrected card', async () => {
    for (const { cli, r } of await eachCli(cli => ['register-task-definition', '--cli-input-json', `file://${FIXED}`, '--family', family(cli)])) {
      expect(r.stderr).toBe('')
      expect(r.json.taskDefinition).toMatchObject({
        taskDefinitionArn: arn(cli), status: 'ACTIVE', cpu: '1024', memory: '2048', compatibilities: ['EC2', 'FARGATE']
      })
      // v1 prints timestamps as epoch seconds, v2 as ISO 8601
      expect(typeof r.json.taskDefinition.registeredAt).toBe(cli.version === 1 ? 'number' : 'string')
    }
  })

  // These read, or are refused: they run side by side.
  describe.concurrent('while the corrected card is registered', () => {
    it('describe-task-definition answers the latest revision', async () => {
      for (const { r } of await eachCli(cli => ['describe-task-definition', '--task-definition', family(cli)])) {
        expect(r.stderr).toBe('')
        expect(r.json.taskDefinition.containerDefinitions[0]).toMatchObject({
          name: 'gitlab-runner', command: ['run-single', '--config', '/etc/gitlab-runner/config.toml', '--runner', 'fargate', '--max-builds', '1'],
          cpu: 0, volumesFrom: []
        })
      }
    })

    it('list-task-definitions --family-prefix lists the family', async () => {
      for (const { cli, r } of await eachCli(cli => ['list-task-definitions', '--family-prefix', family(cli)])) {
        expect(r.json).toEqual({ taskDefinitionArns: [arn(cli)] })
      }
    })

    it('describe-task-definition prints ClientException for an unknown family', async () => {
      for (const { r } of await eachCli(() => ['describe-task-definition', '--task-definition', 'no-such-family'])) {
        expect(r.stderr).toContain('An error occurred (ClientException) when calling the DescribeTaskDefinition operation: Unable to describe task definition.')
      }
    })

    it('register-task-definition prints the first problem of the card as it is', async () => {
      for (const { r } of await eachCli(() => ['register-task-definition', '--cli-input-json', `file://${CARD}`])) {
        expect(r.status).not.toBe(0)
        expect(r.stderr).toContain('An error occurred (ClientException) when calling the RegisterTaskDefinition operation: Role is not valid')
      }
    })

    it('register-task-definition refuses a string command before sending', async () => {
      const file = join(dir, 'string-command.json')
      writeFileSync(file, JSON.stringify({
        family: 'cli-string-command',
        containerDefinitions: [{ name: 'gitlab-runner', image: 'gitlab/gitlab-runner:latest', memory: 512, command: 'gitlab-runner run --max-builds 1' }]
      }))
      for (const { r } of await eachCli(() => ['register-task-definition', '--cli-input-json', `file://${file}`])) {
        expect(r.status).not.toBe(0)
        expect(r.stderr).toContain('Parameter validation failed:\nInvalid type for parameter containerDefinitions[0].command, ' +
          "value: gitlab-runner run --max-builds 1, type: <class 'str'>, valid types: <class 'list'>, <class 'tuple'>")
      }
      const reached = t.emu.emulator.decisions.query({ action: 'ecs:RegisterTaskDefinition' })
        .filter(d => d.resource.includes('/cli-string-command:'))
      expect(reached).toEqual([])
    })
  })

  it('deregister-task-definition marks the revision INACTIVE', async () => {
    for (const { r } of await eachCli(cli => ['deregister-task-definition', '--task-definition', `${family(cli)}:1`])) {
      expect(r.json.taskDefinition).toMatchObject({ status: 'INACTIVE', deregisteredAt: expect.anything() })
    }
  })
})

