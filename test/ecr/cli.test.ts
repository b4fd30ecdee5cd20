import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { CLIS, cliTitle, aws } from '../support/cli.js'
import { ACCOUNT } from '../support/fixtures.js'

const t = useEmulator()

describe.skipIf(CLIS.length === 0)(cliTitle('aws ecr (CLI): repositories and registry login'), () => {
  for (const cli of CLIS) {
    const name = `cli-v${cli.version}/app`
    const ecr = async (...args: string[]) => await aws(cli, t.emu.url, ['ecr', ...args])

    it(`create-repository (CLI v${cli.version})`, async () => {
      const r = await ecr('create-repository', '--repository-name', name, '--image-tag-mutability', 'IMMUTABLE')
      expect(r.stderr).toBe('')
      expect(r.json.repository).toMatchObject({
        repositoryName: name, registryId: ACCOUNT, imageTagMutability: 'IMMUTABLE',
        repositoryArn: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${name}`,
        repositoryUri: `127.0.0.1:${t.emu.emulator.registry.port!}/${name}`
      })
    })

    it(`create-repository of a taken name fails (CLI v${cli.version})`, async () => {
      const r = await ecr('create-repository', '--repository-name', name)
      expect(r.status).not.toBe(0)
      expect(r.stderr).toContain(`(RepositoryAlreadyExistsException) when calling the CreateRepository operation: The repository with name '${name}' already exists in the registry with id '${ACCOUNT}'`)
    })

    it(`describe-repositories (CLI v${cli.version})`, async () => {
      const r = await ecr('describe-repositories', '--repository-names', name)
      expect(r.stderr).toBe('')
      expect(r.json.repositories.map((x: { repositoryName: string }) => x.repositoryName)).toEqual([name])
    })

    it(`get-authorization-token (CLI v${cli.version})`, async () => {
      const r = await ecr('get-authorization-token')
      expect(r.stderr).toBe('')
      const [data] = r.json.authorizationData
      expect(data.proxyEndpoint).toBe(`http://127.0.0.1:${t.emu.emulator.registry.port!}`)
      expect(Buffer.from(data.authorizationToken, 'base64').toString()).toMatch(/^AWS:[A-Za-z0-9_-]+$/)
    })

    it(`get-login-password prints the password (CLI v${cli.version})`, async () => {
      const r = await ecr('get-login-password')
      expect(r.stderr).toBe('')
      const password = r.stdout.trim()
      expect(password).toMatch(/^[A-Za-z0-9_-]+$/)
      const stored = t.emu.emulator.repositories.findToken(password, Date.now() / 1000)
      expect(stored).toMatchObject({ account: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:root` })
    })
  }
})
