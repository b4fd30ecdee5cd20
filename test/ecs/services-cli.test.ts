import { beforeAll, describe, expect, it } from 'vitest'
import { CreateClusterCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { useEmulator } from '../support/emulator.js'
import { CLIS, aws, cliTitle } from '../support/cli.js'

const t = useEmulator()
const ARN = 'arn:aws:ecs:us-east-1:000000000000:service/cli-svc'

beforeAll(async () => {
  await t.ecs.send(new CreateClusterCommand({ clusterName: 'cli-svc' }))
  await t.ecs.send(new RegisterTaskDefinitionCommand({
    family: 'web', containerDefinitions: [{ name: 'web', image: 'busybox', memory: 64, portMappings: [{ containerPort: 8080 }] }]
  }))
})

describe.skipIf(CLIS.length === 0)(cliTitle('aws ecs create-service / describe-services / wait services-stable'), () => {
  it('creates, lists, waits for, describes, refuses to delete, and deletes a service', async () => {
    await Promise.all(CLIS.map(async cli => {
      const name = `web-v${cli.version}`
      const run = (args: string[]) => aws(cli, t.emu.url, ['ecs', ...args])
      const created = await run(['create-service', '--cluster', 'cli-svc', '--service-name', name,
        '--task-definition', 'web', '--desired-count', '0'])
      expect(created.stderr).toBe('')
      expect(created.json.service).toMatchObject({
        serviceArn: `${ARN}/${name}`, status: 'ACTIVE', desiredCount: 0, launchType: 'EC2', events: []
      })

      const listed = await run(['list-services', '--cluster', 'cli-svc'])
      expect(listed.json.serviceArns).toContain(`${ARN}/${name}`)
      const stable = await run(['wait', 'services-stable', '--cluster', 'cli-svc', '--services', name])
      expect(stable.status).toBe(0)

      const described = await run(['describe-services', '--cluster', 'cli-svc', '--services', name, 'ghost'])
      expect(described.json.services[0]).toMatchObject({ serviceName: name, taskDefinition: expect.stringMatching(/task-definition\/web:1$/) })
      expect(described.json.failures).toEqual([{ arn: `${ARN}/ghost`, reason: 'MISSING' }])

      await run(['update-service', '--cluster', 'cli-svc', '--service', name, '--desired-count', '1'])
      const refused = await run(['delete-service', '--cluster', 'cli-svc', '--service', name])
      expect(refused.status).not.toBe(0)
      expect(refused.stderr).toContain('(InvalidParameterException) when calling the DeleteService operation: The service cannot be stopped while it is scaled above 0.')
      const deleted = await run(['delete-service', '--cluster', 'cli-svc', '--service', name, '--force'])
      expect(deleted.json.service).toMatchObject({ status: 'DRAINING', desiredCount: 0 })
    }))
  })
})
