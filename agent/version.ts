/**
 * What the agent reports as its version (RegisterContainerInstance `versionInfo`, the ACS and
 * TCS URLs): the package version, and a short hash derived from it where the ECS agent sends
 * its git commit.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

// Resolves from agent/ and from dist/ alike: both sit one level below package.json.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

export const AGENT_VERSION: string = pkg.version

export const AGENT_HASH: string = createHash('sha1').update(`ecs-emulator ${pkg.version}`).digest('hex').slice(0, 8)
