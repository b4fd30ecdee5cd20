// Bundles the CLI into dist/cli.js and its chunks (dependencies stay external) and copies the service models
// beside it, so that `./models/NAME.json` resolves the same from api/ and from dist/.
import { execFileSync } from 'node:child_process'
import { build } from 'esbuild'
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs'

// Chunks are named by their hash: the last build's go first.
const stale = existsSync('dist') ? readdirSync('dist').filter(name => name.startsWith('chunk-')) : []
for (const name of stale) rmSync(`dist/${name}`)

/** What every bundle here shares: ESM for Node 20, dependencies left to node_modules. */
const NODE_BUNDLE = {
  outdir: 'dist', bundle: true, platform: 'node', format: 'esm', target: 'node20',
  packages: 'external', sourcemap: true, logLevel: 'warning'
}

await build({
  ...NODE_BUNDLE,
  entryPoints: ['src/cli.ts'],
  // The agent's code (and the SDK clients and Docker client it imports) is a chunk of its own,
  // loaded only by `ecs-emulator agent`: the server starts without it.
  splitting: true,
  // Beside cli.js, so that paths resolved from import.meta.url (./models/) hold in every chunk.
  chunkNames: 'chunk-[hash]'
})
cpSync('api/models', 'dist/models', { recursive: true })

// The testcontainers module (`ecs-emulator/testcontainers`) for other projects' tests: one file,
// testcontainers itself left to the user's install, and its declarations beside it.
await build({ ...NODE_BUNDLE, entryPoints: { testcontainers: 'src/testcontainers/index.ts' } })
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', 'src/testcontainers/index.ts', '--ignoreConfig',
  '--declaration', '--emitDeclarationOnly', '--module', 'nodenext', '--moduleResolution', 'nodenext',
  '--target', 'es2022', '--strict', '--skipLibCheck', '--types', 'node', '--outDir', 'dist/testcontainers'],
{ stdio: 'inherit' })
