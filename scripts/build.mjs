// Bundles the CLI into dist/cli.js (dependencies stay external) and copies the service models
// beside it, so that `./models/NAME.json` resolves the same from api/ and from dist/.
import { build } from 'esbuild'
import { cpSync } from 'node:fs'

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning'
})
cpSync('api/models', 'dist/models', { recursive: true })
