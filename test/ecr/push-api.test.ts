import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  BatchDeleteImageCommand, BatchGetImageCommand, CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand, DeleteRepositoryCommand, DescribeImageScanFindingsCommand,
  DescribeImagesCommand, GetAuthorizationTokenCommand, GetLifecyclePolicyCommand,
  ListImagesCommand, PutImageCommand, PutLifecyclePolicyCommand, StartImageScanCommand,
  type ECRClient
} from '@aws-sdk/client-ecr'
import { startEmulator, useEmulator } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, failure, userWithKey } from '../support/fixtures.js'

const t = useEmulator()

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`
const SCHEMA2 = 'application/vnd.docker.distribution.manifest.v2+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const CONFIG = 'application/vnd.docker.container.image.v1+json'
const LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip'
const arn = (name: string) => `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${name}`

async function passwordOf (ecr: ECRClient): Promise<string> {
  const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}))
  return Buffer.from(authorizationData![0].authorizationToken!, 'base64').toString().slice(4)
}

/** A GET (or `method`) on the emulator's registry with the root's password. */
async function registry (path: string, method = 'GET'): Promise<Response> {
  const password = await passwordOf(t.ecr)
  const base = `http://127.0.0.1:${t.emu.emulator.registry.port!}`
  const authorization = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`
  return await fetch(`${base}${path}`, { method, headers: { Authorization: authorization } })
}

const codeOf = async (res: Response): Promise<string> =>
  ((await res.json()) as { errors: Array<{ code: string }> }).errors[0].code

/** Pushes one blob to the registry in a single POST and returns its digest. */
async function pushBlob (repo: string, bytes: Buffer): Promise<string> {
  const digest = sha(bytes)
  const password = await passwordOf(t.ecr)
  const base = `http://127.0.0.1:${t.emu.emulator.registry.port!}`
  const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${digest}`, {
    method: 'POST', body: bytes, headers: { Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` }
  })
  expect(res.status).toBe(201)
  return digest
}

/** A schema 2 manifest (text) over a config and a layer; `push` uploads both first. */
async function manifest (repo: string, text: string, push = true) {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }))
  const layer = Buffer.from(text)
  if (push) {
    await pushBlob(repo, config)
    await pushBlob(repo, layer)
  }
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: SCHEMA2,
    config: { mediaType: CONFIG, size: config.length, digest: sha(config) },
    layers: [{ mediaType: LAYER, size: layer.length, digest: sha(layer) }]
  }, null, 3)
  return { body, digest: sha(body), layerDigest: sha(layer), size: config.length + layer.length }
}

async function repository (name: string, immutable = false): Promise<string> {
  await t.ecr.send(new CreateRepositoryCommand({
    repositoryName: name, imageTagMutability: immutable ? 'IMMUTABLE' : 'MUTABLE'
  }))
  return name
}

const put = async (repositoryName: string, imageManifest: string, imageTag?: string) =>
  await t.ecr.send(new PutImageCommand({ repositoryName, imageManifest, imageTag }))

describe('PutImage', () => {
  it('stores the manifest where the registry serves it and the image calls list it', async () => {
    const repo = await repository('put/served')
    const m = await manifest(repo, 'served layer')
    const { image } = await put(repo, m.body, 'v1')
    expect(image).toEqual({
      registryId: ACCOUNT,
      repositoryName: repo,
      imageId: { imageDigest: m.digest, imageTag: 'v1' },
      imageManifest: m.body,
      imageManifestMediaType: SCHEMA2
    })

    for (const ref of ['v1', m.digest]) {
      const got = await registry(`/v2/${repo}/manifests/${ref}`)
      expect(got.status).toBe(200)
      expect(got.headers.get('content-type')).toBe(SCHEMA2)
      expect(got.headers.get('docker-content-digest')).toBe(m.digest)
      expect(await got.text()).toBe(m.body)
    }
    const { imageDetails } = await t.ecr.send(new DescribeImagesCommand({ repositoryName: repo }))
    expect(imageDetails).toHaveLength(1)
    expect(imageDetails![0]).toMatchObject({
      imageDigest: m.digest, imageTags: ['v1'], imageSizeInBytes: m.size, imageManifestMediaType: SCHEMA2
    })
    expect(imageDetails![0].imagePushedAt).toBeInstanceOf(Date)
    const { images } = await t.ecr.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'v1' }] }))
    expect(images![0].imageManifest).toBe(m.body)
  })

  it('adds a tag to a stored manifest and moves a mutable tag', async () => {
    const repo = await repository('put/retag')
    const one = await manifest(repo, 'one')
    const two = await manifest(repo, 'two')
    await put(repo, one.body, 'v1')
    await put(repo, one.body, 'stable')
    await put(repo, two.body, 'v1')
    const { imageIds } = await t.ecr.send(new ListImagesCommand({ repositoryName: repo }))
    expect(imageIds).toEqual(expect.arrayContaining([
      { imageDigest: one.digest, imageTag: 'stable' }, { imageDigest: two.digest, imageTag: 'v1' }
    ]))
    expect(imageIds).toHaveLength(2)
  })

  it('takes a manifest without a tag and the media type given', async () => {
    const repo = await repository('put/untagged')
    const m = await manifest(repo, 'untagged layer')
    const { image } = await t.ecr.send(new PutImageCommand({
      repositoryName: repo, imageManifest: m.body, imageManifestMediaType: SCHEMA2, imageDigest: m.digest
    }))
    expect(image!.imageId).toEqual({ imageDigest: m.digest })
    const { imageIds } = await t.ecr.send(new ListImagesCommand({ repositoryName: repo }))
    expect(imageIds).toEqual([{ imageDigest: m.digest }])
  })

  it('fails with ImageAlreadyExistsException for the same manifest and tag', async () => {
    const repo = await repository('put/again')
    const m = await manifest(repo, 'again')
    await put(repo, m.body, 'v1')
    const e = await failure(put(repo, m.body, 'v1'))
    expect([e.name, e.message]).toEqual(['ImageAlreadyExistsException',
      `Image with digest '${m.digest}' and tag 'v1' already exists in the repository with name '${repo}' in registry with id '${ACCOUNT}'`])
    const untagged = await failure(put(repo, m.body))
    expect(untagged.name).toBe('ImageAlreadyExistsException')
  })

  it('fails with ImageTagAlreadyExistsException when an immutable tag names another image', async () => {
    const repo = await repository('put/immutable', true)
    const one = await manifest(repo, 'first')
    const two = await manifest(repo, 'second')
    await put(repo, one.body, 'v1')
    const e = await failure(put(repo, two.body, 'v1'))
    expect([e.name, e.message]).toEqual(['ImageTagAlreadyExistsException',
      `The image tag 'v1' already exists in the '${repo}' repository and cannot be overwritten because the tag is immutable.`])
    const same = await failure(put(repo, one.body, 'v1'))
    expect(same.name).toBe('ImageAlreadyExistsException')
    await put(repo, two.body, 'v2')
  })

  it('fails with ImageDigestDoesNotMatchException when the digest is not the manifest\'s', async () => {
    const repo = await repository('put/digest')
    const m = await manifest(repo, 'digest')
    const wrong = `sha256:${'1'.repeat(64)}`
    const e = await failure(t.ecr.send(new PutImageCommand({ repositoryName: repo, imageManifest: m.body, imageDigest: wrong })))
    expect(e.name).toBe('ImageDigestDoesNotMatchException')
    expect(e.message).toContain(wrong)
    expect((await t.ecr.send(new ListImagesCommand({ repositoryName: repo }))).imageIds).toEqual([])
  })

  it('fails with LayersNotFoundException when a layer was not pushed', async () => {
    const repo = await repository('put/layers')
    const m = await manifest(repo, 'never pushed', false)
    const e = await failure(put(repo, m.body, 'v1'))
    expect(e.name).toBe('LayersNotFoundException')
    expect(e.message).toContain(`required for pushing image into repository with name '${repo}' in the registry with id '${ACCOUNT}'`)
  })

  it('stores an index whose manifests are there, and refuses one that names a missing manifest', async () => {
    const repo = await repository('put/index')
    const child = await manifest(repo, 'child')
    const missing = `sha256:${'2'.repeat(64)}`
    const index = (digest: string) => JSON.stringify({
      schemaVersion: 2, mediaType: OCI_INDEX,
      manifests: [{ mediaType: SCHEMA2, size: child.body.length, digest, platform: { architecture: 'amd64', os: 'linux' } }]
    })
    const e = await failure(put(repo, index(missing), 'multi'))
    expect(e.name).toBe('ReferencedImagesNotFoundException')
    expect(e.message).toContain(missing)

    await put(repo, child.body)
    const { image } = await put(repo, index(child.digest), 'multi')
    expect(image!.imageManifestMediaType).toBe(OCI_INDEX)
    const got = await registry(`/v2/${repo}/manifests/multi`)
    expect(got.headers.get('content-type')).toBe(OCI_INDEX)
  })

  it('fails with InvalidParameterException for a manifest that is not JSON', async () => {
    const repo = await repository('put/garbage')
    const e = await failure(put(repo, 'not a manifest', 'v1'))
    expect([e.name, e.message]).toEqual(['InvalidParameterException',
      "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'"])
  })

  it('fails with RepositoryNotFoundException when the repository is missing', async () => {
    const e = await failure(put('put/nowhere', '{}', 'v1'))
    expect([e.name, e.message]).toEqual(['RepositoryNotFoundException',
      `The repository with name 'put/nowhere' does not exist in the registry with id '${ACCOUNT}'`])
  })

  it('is denied without ecr:PutImage on the repository', async () => {
    const repo = await repository('put/denied')
    const creds = await userWithKey(t.iam, 'put-image-denied', allowPolicy('ecr:DescribeImages'))
    const e = await failure(t.emu.clients(creds).ecr.send(new PutImageCommand({ repositoryName: repo, imageManifest: '{}' })))
    expect([e.name, e.message]).toEqual(['AccessDeniedException',
      `User: arn:aws:iam::${ACCOUNT}:user/put-image-denied is not authorized to perform: ecr:PutImage on resource: ${arn(repo)} because no identity-based policy allows the ecr:PutImage action`])
  })
})

describe('BatchDeleteImage', () => {
  it('removes a tag, and the image with its last tag; the registry then answers MANIFEST_UNKNOWN', async () => {
    const repo = await repository('delete/tags')
    const m = await manifest(repo, 'tagged twice')
    await put(repo, m.body, 'v1')
    await put(repo, m.body, 'latest')

    const first = await t.ecr.send(new BatchDeleteImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'v1' }] }))
    expect(first.imageIds).toEqual([{ imageDigest: m.digest, imageTag: 'v1' }])
    expect(first.failures).toEqual([])
    const gone = await registry(`/v2/${repo}/manifests/v1`)
    expect(gone.status).toBe(404)
    expect(await codeOf(gone)).toBe('MANIFEST_UNKNOWN')
    expect((await registry(`/v2/${repo}/manifests/${m.digest}`)).status).toBe(200)

    await t.ecr.send(new BatchDeleteImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'latest' }] }))
    const byDigest = await registry(`/v2/${repo}/manifests/${m.digest}`)
    expect(byDigest.status).toBe(404)
    expect(await codeOf(byDigest)).toBe('MANIFEST_UNKNOWN')
    expect((await t.ecr.send(new DescribeImagesCommand({ repositoryName: repo }))).imageDetails).toEqual([])
  })

  it('removes an image by digest with all its tags', async () => {
    const repo = await repository('delete/digest')
    const m = await manifest(repo, 'by digest')
    await put(repo, m.body, 'a')
    await put(repo, m.body, 'b')
    const out = await t.ecr.send(new BatchDeleteImageCommand({ repositoryName: repo, imageIds: [{ imageDigest: m.digest }] }))
    expect(out.imageIds).toEqual([{ imageDigest: m.digest, imageTag: 'a' }, { imageDigest: m.digest, imageTag: 'b' }])
    for (const ref of ['a', 'b', m.digest]) {
      const res = await registry(`/v2/${repo}/manifests/${ref}`)
      expect(await codeOf(res)).toBe('MANIFEST_UNKNOWN')
    }
    expect((await t.ecr.send(new ListImagesCommand({ repositoryName: repo }))).imageIds).toEqual([])
    // The blobs stay (no garbage collection): the same image can be put again.
    await put(repo, m.body, 'a')
  })

  it('answers each id it cannot delete as a failure', async () => {
    const repo = await repository('delete/failures')
    const one = await manifest(repo, 'one')
    const two = await manifest(repo, 'two')
    await put(repo, one.body, 'one')
    await put(repo, two.body, 'two')
    const missing = `sha256:${'3'.repeat(64)}`
    const out = await t.ecr.send(new BatchDeleteImageCommand({
      repositoryName: repo,
      imageIds: [
        { imageTag: 'nope' }, { imageDigest: missing }, { imageDigest: 'not-a-digest' },
        { imageTag: 'one', imageDigest: two.digest }, { imageTag: 'bad/tag' }, { imageTag: 'two' }
      ]
    }))
    expect(out.imageIds).toEqual([{ imageDigest: two.digest, imageTag: 'two' }])
    expect(out.failures!.map(f => [f.imageId, f.failureCode])).toEqual([
      [{ imageTag: 'nope' }, 'ImageNotFound'],
      [{ imageDigest: missing }, 'ImageNotFound'],
      [{ imageDigest: 'not-a-digest' }, 'InvalidImageDigest'],
      [{ imageTag: 'one', imageDigest: two.digest }, 'ImageTagDoesNotMatchDigest'],
      [{ imageTag: 'bad/tag' }, 'InvalidImageTag']
    ])
    expect(out.failures![0].failureReason).toBe('Requested image not found')
  })

  it('keeps an image an index names, failing with ImageReferencedByManifestList', async () => {
    const repo = await repository('delete/child')
    const child = await manifest(repo, 'child of an index')
    await put(repo, child.body)
    await put(repo, JSON.stringify({
      schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: SCHEMA2, size: child.body.length, digest: child.digest }]
    }), 'multi')
    const out = await t.ecr.send(new BatchDeleteImageCommand({ repositoryName: repo, imageIds: [{ imageDigest: child.digest }] }))
    expect(out.imageIds).toEqual([])
    expect(out.failures![0].failureCode).toBe('ImageReferencedByManifestList')
    expect((await registry(`/v2/${repo}/manifests/${child.digest}`)).status).toBe(200)
  })

  it('fails with RepositoryNotFoundException when the repository is missing', async () => {
    const e = await failure(t.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'delete/nowhere', imageIds: [{ imageTag: 'x' }] })))
    expect(e.name).toBe('RepositoryNotFoundException')
  })
})

const POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'Expire untagged images after a day',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
      action: { type: 'expire' }
    },
    {
      rulePriority: 5,
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 50 },
      action: { type: 'expire' }
    }
  ]
})

/** A policy of one rule (padded past the model's 100 characters with a description). */
const oneRule = (rule: object) =>
  JSON.stringify({ rules: [{ description: 'a rule that is long enough for the minimum length', ...rule }] })

const lifecycleMessage = (why: string) =>
  `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${why}'`

describe('PutLifecyclePolicy', () => {
  it('stores the policy that GetLifecyclePolicy and DeleteLifecyclePolicy answer with', async () => {
    const repo = await repository('lifecycle/kept')
    const putOut = await t.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: repo, lifecyclePolicyText: POLICY }))
    expect(putOut).toMatchObject({ registryId: ACCOUNT, repositoryName: repo, lifecyclePolicyText: POLICY })
    const got = await t.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo }))
    expect(got).toMatchObject({ registryId: ACCOUNT, repositoryName: repo, lifecyclePolicyText: POLICY })
    const deleted = await t.ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: repo }))
    expect(deleted.lifecyclePolicyText).toBe(POLICY)

    const message = `Lifecycle policy does not exist for the repository with name '${repo}' in the registry with id '${ACCOUNT}'`
    const get = await failure(t.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo })))
    expect([get.name, get.message]).toEqual(['LifecyclePolicyNotFoundException', message])
    const again = await failure(t.ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: repo })))
    expect([again.name, again.message]).toEqual(['LifecyclePolicyNotFoundException', message])
  })

  it('goes with its repository', async () => {
    const repo = await repository('lifecycle/doomed')
    await t.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: repo, lifecyclePolicyText: POLICY }))
    await t.ecr.send(new DeleteRepositoryCommand({ repositoryName: repo }))
    await repository(repo)
    const e = await failure(t.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo })))
    expect(e.name).toBe('LifecyclePolicyNotFoundException')
  })

  it('fails with InvalidParameterException for a policy ECR would refuse', async () => {
    const repo = await repository('lifecycle/invalid')
    const refused = async (text: string) =>
      await failure(t.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: repo, lifecyclePolicyText: text })))
    const cases: Array<[string, string]> = [
      [`{"rules": [${' '.repeat(100)}`, 'Could not map policyString into LifecyclePolicy.'],
      [oneRule({ selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 } }),
        'object has missing required properties (["action","rulePriority"])'],
      [oneRule({ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1, countUnit: 'days' }, action: { type: 'expire' } }),
        'instance failed to match exactly one schema (matched 0 out of 4)'],
      [oneRule({ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire', targetStorageClass: null } }),
        'instance failed to match exactly one schema (matched 0 out of 2)'],
      [oneRule({ rulePriority: 1, selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }),
        'Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.'],
      [JSON.stringify({
        rules: [
          { rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
          { rulePriority: 2, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }
        ]
      }), 'Rule for tagStatus=ANY must have the lowest priority per storage class']
    ]
    for (const [text, why] of cases) {
      const e = await refused(text)
      expect([e.name, e.message]).toEqual(['InvalidParameterException', lifecycleMessage(why)])
    }
    const e = await failure(t.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo })))
    expect(e.name).toBe('LifecyclePolicyNotFoundException')
  })

  it('keeps the policy across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-ecr-lifecycle-'))
    try {
      const first = await startEmulator({ dataDir: dir })
      try {
        const { ecr } = first.clients()
        await ecr.send(new CreateRepositoryCommand({ repositoryName: 'kept' }))
        await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'kept', lifecyclePolicyText: POLICY }))
      } finally { await first.close() }
      expect(first.violations).toEqual([])

      const second = await startEmulator({ dataDir: dir })
      try {
        const got = await second.clients().ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'kept' }))
        expect(got.lifecyclePolicyText).toBe(POLICY)
      } finally { await second.close() }
      expect(second.violations).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('image scanning', () => {
  it('answers StartImageScan and DescribeImageScanFindings as not emulated', async () => {
    const repo = await repository('scan/none')
    const start = await failure(t.ecr.send(new StartImageScanCommand({ repositoryName: repo, imageId: { imageTag: 'v1' } })))
    expect([start.name, start.message]).toEqual(['UnknownOperationException', 'Operation StartImageScan is not emulated.'])
    const findings = await failure(t.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: repo, imageId: { imageTag: 'v1' } })))
    expect([findings.name, findings.message]).toEqual(['UnknownOperationException', 'Operation DescribeImageScanFindings is not emulated.'])
  })
})
