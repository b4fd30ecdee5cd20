/**
 * The state's generation: an id made with the database and made anew by each reset, which
 * wipes this table with every other. An agent compares the one it joined under with the one the
 * emulator has now, and so tells a reset (its instance and tasks wiped) from a deregistration.
 */
import { randomUUID } from 'node:crypto'
import type { Db, Schema } from './db.js'

export const generationSchema: Schema = {
  name: 'emulator-generation',
  sql: 'CREATE TABLE emulator_generation_v1 (id TEXT NOT NULL);'
}

export class GenerationStore {
  readonly #read
  readonly #insert
  #cached: string | undefined

  constructor (db: Db) {
    this.#read = db.prepare('SELECT id FROM emulator_generation_v1 LIMIT 1').pluck()
    this.#insert = db.prepare('INSERT INTO emulator_generation_v1 (id) VALUES (?)')
  }

  /** The current generation, made when the table is empty (a new database, a reset). */
  current (): string {
    if (this.#cached !== undefined) return this.#cached
    let id = this.#read.get() as string | undefined
    if (id === undefined) {
      id = randomUUID()
      this.#insert.run(id)
    }
    this.#cached = id
    return id
  }

  /** After a reset's wipe: the next `current()` makes a new generation. */
  clearCache (): void {
    this.#cached = undefined
  }
}
