import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { CLIS, cliTitle } from '../support/cli.js'

/** The README's "30 seconds" block, pointed at this test's server instead of `npm start`. */
function quickstart (url: string): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const block = /## 30 seconds\n[\s\S]*?```sh\n([\s\S]*?)```[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)
  if (block === null) throw new Error('README has no "30 seconds" section with two sh blocks')
  return (block[1] + block[2])
    .split('\n').filter(l => !l.startsWith('npm start')).join('\n')
    .replaceAll('http://127.0.0.1:4566', url)
}

// AWS_ENDPOINT_URL needs CLI v1.29+ (botocore 1.31) or v2.13+.
const cli = CLIS.find(c => c.version === 1) ?? CLIS.find(c => c.version === 2 && c.bin !== '/usr/bin/aws')

const t = useEmulator()

describe.skipIf(cli === undefined)(cliTitle('README quickstart'), () => {
  it('runs as written and ends in the AccessDenied it promises', async () => {
    const script = quickstart(t.emu.url)
    const { stdout, stderr } = await new Promise<{ stdout: string, stderr: string }>((resolve, reject) => {
      execFile('bash', ['-c', script], {
        env: { PATH: `${cli!.bin.includes('/') ? cli!.bin.replace(/\/aws$/, '') + ':' : ''}${process.env.PATH}`, HOME: process.env.HOME, AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
        timeout: 120_000
      }, (error, stdout, stderr) => error !== null && error.killed ? reject(error) : resolve({ stdout, stderr }))
    })
    expect(stdout).toContain('"Arn": "arn:aws:iam::000000000000:root"')
    expect(stdout).toContain('"clusterName": "demo"')
    expect(stderr).toContain('An error occurred (AccessDeniedException) when calling the RegisterTaskDefinition operation: User: arn:aws:sts::000000000000:assumed-role/reader/me is not authorized to perform: ecs:RegisterTaskDefinition on resource: arn:aws:ecs:us-east-1:000000000000:task-definition/web:1 because no identity-based policy allows the ecs:RegisterTaskDefinition action')
    expect(stdout).toContain('"decision":"ImplicitDeny"')
  })
})
