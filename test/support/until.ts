/**
 * The one wait of the tests: polls `check` until it gives a value (anything but `undefined`
 * or `false`) and returns it, or throws after `ms` saying what it waited for and the last
 * error `check` threw. The default is generous because CI's machines are slower than a
 * laptop; a wait that is met returns at once, so only a failing test pays for it.
 */
export async function until<T> (check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string | (() => string | Promise<string>) = 'the condition', ms = 20_000, gapMs = 25): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) {
      const about = typeof what === 'string' ? what : await what()
      throw new Error(`timed out after ${ms} ms waiting for ${about}${last === undefined ? '' : `: ${String(last)}`}`)
    }
    await new Promise(resolve => setTimeout(resolve, gapMs))
  }
}
