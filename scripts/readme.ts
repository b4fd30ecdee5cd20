// Rewrites the generated sections of README.md (see scripts/readme-tables.ts).
import { readFileSync, writeFileSync } from 'node:fs'
import { render } from './readme-tables.js'

const path = new URL('../README.md', import.meta.url)
writeFileSync(path, render(readFileSync(path, 'utf8')))
