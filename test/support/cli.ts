/**
 * The AWS CLIs found on this machine: v1 (from pip) and v2 (Debian's `awscli`), each run
 * against the emulator with `test`/`test`. A CLI test iterates over `CLIS` and skips with a
 * clear message when none is installed.
 */
import { execFile, spawnSync } from 'node:child_process'

export interface AwsCli { version: 1 | 2, bin: string }

function detect (): AwsCli[] {
  const found = new Map<number, AwsCli>()
  for (const bin of ['aws', '/usr/bin/aws', '/usr/local/bin/aws']) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' })
    const m = /aws-cli\/(\d)\./.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)
    if (r.status === 0 && m !== null && !found.has(Number(m[1]))) {
      found.set(Number(m[1]), { version: Number(m[1]) as 1 | 2, bin })
    }
  }
  return [...found.values()]
}

export const CLIS: AwsCli[] = detect()

export const NO_CLI = 'no AWS CLI installed: install it (`pip install awscli` or `apt-get install awscli`) to run this test'

/** A describe title that says why its tests were skipped when no CLI is installed. */
export const cliTitle = (title: string): string => CLIS.length === 0 ? `${title} (skipped: ${NO_CLI})` : title

export interface CliResult { status: number, stdout: string, stderr: string, json: any }

/**
 * Runs one CLI command. Asynchronous on purpose: the emulator under test usually lives in this
 * same process, and a synchronous spawn would block it from answering.
 */
export async function aws (cli: AwsCli, url: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await new Promise<{ status: number | null, stdout: string, stderr: string }>(resolve => {
    const child = execFile(cli.bin, ['--endpoint-url', url, '--output', 'json', ...args], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...env
    },
    timeout: 60_000
    }, (error, stdout, stderr) => resolve({ status: error === null ? 0 : (child.exitCode ?? 1), stdout, stderr }))
  })
  let json: unknown
  try { json = r.stdout.trim() === '' ? undefined : JSON.parse(r.stdout) } catch {}
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json }
}
