// Bundles the CLI into dist/cli.js and its chunks (dependencies stay external) and copies the service models
// beside it, so that `./models/NAME.json` resolves the same from api/ and from dist/.
import { build } from 'esbuild'
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs'

// Chunks are named by their hash: the last build's go first.
const stale = existsSync('dist') ? readdirSync('dist').filter(name => name.startsWith('chunk-')) : []
for (const name of stale) rmSync(`dist/${name}`)

await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  // The agent's code (and the SDK clients and Docker client it imports) is a chunk of its own,
  // loaded only by `ecs-emulator agent`: the server starts without it.
  splitting: true,
  // Beside cli.js, so that paths resolved from import.meta.url (./models/) hold in every chunk.
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning'
})
cpSync('api/models', 'dist/models', { recursive: true })
