import { execFile, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'

const SCRIPT = fileURLToPath(new URL('./boto3_smoke.py', import.meta.url))
const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' }).status === 0
const title = hasBoto3 ? 'boto3' : 'boto3 (skipped: python3 with boto3 is not installed; `pip install boto3` to run it)'

const t = useEmulator()

describe.skipIf(!hasBoto3)(title, () => {
  it('runs ECS, IAM and STS calls and reads AWS-shaped errors', async () => {
    const out = await new Promise<{ code: number, stdout: string, stderr: string }>(resolve => {
      const child = execFile('python3', [SCRIPT], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ENDPOINT: t.emu.url, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
        timeout: 60_000
      }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : (child.exitCode ?? 1), stdout, stderr }))
    })
    expect(out.stderr).toBe('')
    expect(out.stdout).toContain('boto3 ok')
    expect(out.code).toBe(0)
  })
})
