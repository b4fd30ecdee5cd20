/**
 * Debian's Chromium for the browser tests, driven by playwright-core.
 *
 * A launch is given far longer than playwright's 30 s: on a fresh 2-core CI machine, with a
 * second Chromium and the Docker-bound files running beside it, one launch was seen to take
 * more than 30 s. A launch that fails is tried once more before the file fails.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)
/** Appended to a describe's title when there is no Chromium. */
export const CHROMIUM_SKIP = hasChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM}; install Debian's chromium or set CHROMIUM_PATH)`

const ATTEMPT_MS = 60_000
/** For the hook that calls launchChromium: both attempts, and the page that follows. */
export const LAUNCH_HOOK_TIMEOUT = 2 * ATTEMPT_MS + 30_000

export async function launchChromium (): Promise<Browser> {
  const launch = async (): Promise<Browser> => await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    timeout: ATTEMPT_MS
  })
  try {
    return await launch()
  } catch (e) {
    console.warn(`Chromium did not start (${(e as Error).message.split('\n')[0]}); trying once more`)
    return await launch()
  }
}
