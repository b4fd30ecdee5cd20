/**
 * A cache of what a store read, for the reads every DescribeClusters repeats. Filled only
 * outside transactions (so a rolled-back write cannot leave a stale entry) and emptied by the
 * store on each of its writes, and by `Emulator.reset()`.
 */
import type { Db } from './db.js'

export class ReadCache<V> {
  readonly #entries = new Map<string, V>()

  constructor (private readonly db: Db) {}

  get (key: string, read: () => V): V {
    if (this.#entries.has(key)) return this.#entries.get(key) as V
    const value = read()
    if (!this.db.inTransaction) this.#entries.set(key, value)
    return value
  }

  clear (): void {
    this.#entries.clear()
  }
}
