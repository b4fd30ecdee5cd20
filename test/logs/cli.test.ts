import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { CLIS, aws, cliTitle } from '../support/cli.js'
import { ACCOUNT } from '../support/fixtures.js'

const t = useEmulator()

describe.skipIf(CLIS.length === 0)(cliTitle('aws logs (CLI): groups and events'), () => {
  for (const cli of CLIS) {
    const group = `/ecs/cli-v${cli.version}`
    const logs = async (...args: string[]) => await aws(cli, t.emu.url, ['logs', ...args])
    const now = Date.now()

    it(`create-log-group and create-log-stream (CLI v${cli.version})`, async () => {
      const created = await logs('create-log-group', '--log-group-name', group, '--tags', 'team=web')
      expect(created.stderr).toBe('')
      expect(created.status).toBe(0)
      const stream = await logs('create-log-stream', '--log-group-name', group, '--log-stream-name', 'app/1')
      expect(stream.status).toBe(0)
    })

    it(`create-log-group fails for an existing group (CLI v${cli.version})`, async () => {
      const r = await logs('create-log-group', '--log-group-name', group)
      expect(r.status).not.toBe(0)
      expect(r.stderr).toContain('An error occurred (ResourceAlreadyExistsException) when calling the CreateLogGroup operation: The specified log group already exists')
    })

    it(`put-log-events (CLI v${cli.version})`, async () => {
      const events = JSON.stringify([{ timestamp: now - 1000, message: 'hello' }, { timestamp: now, message: 'world' }])
      const r = await logs('put-log-events', '--log-group-name', group, '--log-stream-name', 'app/1', '--log-events', events)
      expect(r.stderr).toBe('')
      expect(r.json.nextSequenceToken).toMatch(/^\d{56}$/)
    })

    it(`get-log-events --start-from-head (CLI v${cli.version})`, async () => {
      const r = await logs('get-log-events', '--log-group-name', group, '--log-stream-name', 'app/1', '--start-from-head')
      expect(r.stderr).toBe('')
      expect(r.json.events.map((e: { message: string }) => e.message)).toEqual(['hello', 'world'])
      expect(r.json.events[0].timestamp).toBe(now - 1000)
      expect(r.json.nextForwardToken).toMatch(/^f\/\d{56}$/)
    })

    it(`describe-log-groups --log-group-name-prefix (CLI v${cli.version})`, async () => {
      const r = await logs('describe-log-groups', '--log-group-name-prefix', group)
      expect(r.stderr).toBe('')
      expect(r.json.logGroups).toHaveLength(1)
      expect(r.json.logGroups[0]).toMatchObject({
        logGroupName: group, arn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${group}:*`, storedBytes: 10, metricFilterCount: 0
      })
    })
  }
})
