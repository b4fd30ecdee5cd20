import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  BatchCheckLayerAvailabilityCommand, BatchGetImageCommand, CreateRepositoryCommand,
  DeleteRepositoryCommand, DescribeImagesCommand, GetAuthorizationTokenCommand, SetRepositoryPolicyCommand, type ECRClient
} from '@aws-sdk/client-ecr'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, policyDocument, userWithKey } from '../support/fixtures.js'

const t = useEmulator()

const arn = (name: string) => `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${name}`
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`
const SCHEMA2 = 'application/vnd.docker.distribution.manifest.v2+json'

const base = () => `http://127.0.0.1:${t.emu.emulator.registry.port!}`

async function passwordOf (ecr: ECRClient): Promise<string> {
  const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}))
  return Buffer.from(authorizationData![0].authorizationToken!, 'base64').toString().slice(4)
}

const codeOf = async (res: Response): Promise<string> =>
  ((await res.json()) as { errors: Array<{ code: string }> }).errors[0].code

const basic = (password: string) => `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`

/** fetch against the registry with `password` (relative `path` or an absolute Location). */
function registry (password: string | undefined) {
  return async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    if (password !== undefined) headers.set('Authorization', basic(password))
    return await fetch(path.startsWith('http') ? path : `${base()}${path}`, { ...init, headers })
  }
}

/** Pushes one blob monolithically (POST, PATCH, PUT ?digest=) and returns its digest. */
async function pushBlob (call: ReturnType<typeof registry>, repo: string, bytes: Buffer): Promise<string> {
  const digest = sha(bytes)
  const start = await call(`/v2/${repo}/blobs/uploads/`, { method: 'POST' })
  expect(start.status).toBe(202)
  const patched = await call(start.headers.get('location')!, { method: 'PATCH', body: bytes })
  expect(patched.status).toBe(202)
  expect(patched.headers.get('range')).toBe(`0-${bytes.length - 1}`)
  const done = await call(`${patched.headers.get('location')!}?digest=${digest}`, { method: 'PUT' })
  expect(done.status).toBe(201)
  return digest
}

async function image (call: ReturnType<typeof registry>, repo: string, text = 'layer') {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }))
  const layer = Buffer.from(text)
  const configDigest = await pushBlob(call, repo, config)
  const layerDigest = await pushBlob(call, repo, layer)
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: SCHEMA2,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: layerDigest }]
  }, null, 3))
  return { manifest, digest: sha(manifest), layerDigest, layer }
}

const putManifest = async (call: ReturnType<typeof registry>, repo: string, ref: string, manifest: Buffer) =>
  await call(`/v2/${repo}/manifests/${ref}`, { method: 'PUT', body: manifest, headers: { 'Content-Type': SCHEMA2 } })

describe('the ECR registry', () => {
  it('answers 401 with the Basic challenge without credentials', async () => {
    const res = await registry(undefined)('/v2/')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(`Basic realm="${base()}/",service="ecr.amazonaws.com"`)
    expect(await res.text()).toBe('Not Authorized\n')
    const wrong = await registry('not-a-token')('/v2/anything/manifests/latest')
    expect(wrong.status).toBe(401)
  })

  it('answers the ping with a token', async () => {
    const res = await registry(await passwordOf(t.ecr))('/v2/')
    expect(res.status).toBe(200)
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0')
  })

  it('stores a pushed image and serves it by tag and by digest', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }))
    const call = registry(await passwordOf(t.ecr))
    const { manifest, digest, layerDigest, layer } = await image(call, 'team/app')

    const put = await putManifest(call, 'team/app', 'v1', manifest)
    expect(put.status).toBe(201)
    expect(put.headers.get('docker-content-digest')).toBe(digest)
    expect(put.headers.get('location')).toBe(`/v2/team/app/manifests/${digest}`)

    for (const ref of ['v1', digest]) {
      const got = await call(`/v2/team/app/manifests/${ref}`)
      expect(got.status).toBe(200)
      expect(got.headers.get('content-type')).toBe(SCHEMA2)
      expect(got.headers.get('docker-content-digest')).toBe(digest)
      expect(Buffer.from(await got.arrayBuffer()).equals(manifest)).toBe(true)
    }
    const head = await call('/v2/team/app/manifests/v1', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(manifest.length))
    expect(head.headers.get('docker-content-digest')).toBe(digest)

    const blobHead = await call(`/v2/team/app/blobs/${layerDigest}`, { method: 'HEAD' })
    expect(blobHead.status).toBe(200)
    expect(blobHead.headers.get('content-length')).toBe(String(layer.length))
    const blob = await call(`/v2/team/app/blobs/${layerDigest}`)
    expect(await blob.text()).toBe('layer')

    const tags = await call('/v2/team/app/tags/list')
    expect(await tags.json()).toEqual({ name: 'team/app', tags: ['v1'] })
  })

  it('takes a chunked upload with Content-Range and refuses a wrong digest', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'chunked' }))
    const call = registry(await passwordOf(t.ecr))
    const bytes = Buffer.from('0123456789abcdef')
    const start = await call('/v2/chunked/blobs/uploads/', { method: 'POST' })
    expect(start.headers.get('range')).toBe('0-0')
    expect(start.headers.get('docker-upload-uuid')).toMatch(/^[0-9a-f-]{36}$/)
    const first = await call(start.headers.get('location')!, {
      method: 'PATCH', body: bytes.subarray(0, 10), headers: { 'Content-Range': '0-9' }
    })
    expect(first.headers.get('range')).toBe('0-9')
    const gap = await call(first.headers.get('location')!, {
      method: 'PATCH', body: bytes.subarray(12), headers: { 'Content-Range': '12-15' }
    })
    expect(gap.status).toBe(416)
    const second = await call(first.headers.get('location')!, {
      method: 'PATCH', body: bytes.subarray(10), headers: { 'Content-Range': '10-15' }
    })
    expect(second.headers.get('range')).toBe('0-15')
    const done = await call(`${second.headers.get('location')!}?digest=${sha(bytes)}`, { method: 'PUT' })
    expect(done.status).toBe(201)
    expect(await (await call(`/v2/chunked/blobs/${sha(bytes)}`)).text()).toBe('0123456789abcdef')

    const other = await call('/v2/chunked/blobs/uploads/', { method: 'POST' })
    const wrong = await call(`${other.headers.get('location')!}?digest=${sha('other')}`, { method: 'PUT', body: 'this' })
    expect(wrong.status).toBe(400)
    expect(await codeOf(wrong)).toBe('DIGEST_INVALID')
    const missing = await call(`/v2/chunked/blobs/${sha('this')}`, { method: 'HEAD' })
    expect(missing.status).toBe(404)
  })

  it('serves a blob\'s bytes from an offset (206), a suffix and a span, and 416 past its end', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'ranged' }))
    const call = registry(await passwordOf(t.ecr))
    const digest = await pushBlob(call, 'ranged', Buffer.from('0123456789'))
    const get = async (range: string) => await call(`/v2/ranged/blobs/${digest}`, { headers: { Range: range } })

    const rest = await get('bytes=4-')
    expect(rest.status).toBe(206)
    expect(rest.headers.get('content-range')).toBe('bytes 4-9/10')
    expect(rest.headers.get('content-length')).toBe('6')
    expect(await rest.text()).toBe('456789')
    const span = await get('bytes=2-4')
    expect([span.status, await span.text()]).toEqual([206, '234'])
    const suffix = await get('bytes=-3')
    expect([suffix.headers.get('content-range'), await suffix.text()]).toEqual(['bytes 7-9/10', '789'])
    const past = await get('bytes=10-')
    expect(past.status).toBe(416)
    expect(past.headers.get('content-range')).toBe('bytes */10')
    const whole = await call(`/v2/ranged/blobs/${digest}`)
    expect([whole.status, whole.headers.get('accept-ranges'), await whole.text()]).toEqual([200, 'bytes', '0123456789'])
  })

  it('takes a monolithic POST with ?digest= and mounts a blob from another repository', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'mono' }))
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'mounted' }))
    const call = registry(await passwordOf(t.ecr))
    const bytes = Buffer.from('monolithic')
    const put = await call(`/v2/mono/blobs/uploads/?digest=${sha(bytes)}`, { method: 'POST', body: bytes })
    expect(put.status).toBe(201)
    const mount = await call(`/v2/mounted/blobs/uploads/?mount=${sha(bytes)}&from=mono`, { method: 'POST' })
    expect(mount.status).toBe(201)
    expect((await call(`/v2/mounted/blobs/${sha(bytes)}`, { method: 'HEAD' })).status).toBe(200)
  })

  it('deletes a manifest by tag (the tag, then the image with its last tag) and by digest, as ecr:BatchDeleteImage', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'pruned' }))
    const call = registry(await passwordOf(t.ecr))
    const { manifest, digest } = await image(call, 'pruned')
    for (const tag of ['v1', 'latest']) expect((await putManifest(call, 'pruned', tag, manifest)).status).toBe(201)

    const untagged = await call('/v2/pruned/manifests/latest', { method: 'DELETE' })
    expect([untagged.status, await untagged.text()]).toEqual([202, ''])
    expect(await (await call('/v2/pruned/tags/list')).json()).toEqual({ name: 'pruned', tags: ['v1'] })
    expect((await call(`/v2/pruned/manifests/${digest}`)).status).toBe(200)

    expect((await call(`/v2/pruned/manifests/${digest}`, { method: 'DELETE' })).status).toBe(202)
    expect((await call('/v2/pruned/manifests/v1')).status).toBe(404)
    const { imageDetails } = await t.ecr.send(new DescribeImagesCommand({ repositoryName: 'pruned' }))
    expect(imageDetails).toEqual([])
    const again = await call(`/v2/pruned/manifests/${digest}`, { method: 'DELETE' })
    expect([again.status, await codeOf(again)]).toEqual([404, 'MANIFEST_UNKNOWN'])

    const creds = await userWithKey(t.iam, 'reg-no-delete', allowPolicy(['ecr:GetAuthorizationToken', 'ecr:PutImage']))
    const refused = await registry(await passwordOf(t.emu.clients(creds).ecr))(`/v2/pruned/manifests/${digest}`, { method: 'DELETE' })
    expect(refused.status).toBe(403)
    expect(await refused.json()).toEqual({ errors: [{ code: 'DENIED', message: `User: ${user('reg-no-delete')} is not authorized to perform: ecr:BatchDeleteImage on resource: ${arn('pruned')} because no identity-based policy allows the ecr:BatchDeleteImage action` }] })
  })

  it('refuses to move an immutable tag', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'fixed', imageTagMutability: 'IMMUTABLE' }))
    const call = registry(await passwordOf(t.ecr))
    const one = await image(call, 'fixed', 'one')
    const two = await image(call, 'fixed', 'two')
    expect((await putManifest(call, 'fixed', 'v1', one.manifest)).status).toBe(201)
    const again = await putManifest(call, 'fixed', 'v1', two.manifest)
    expect(again.status).toBe(400)
    expect(await again.json()).toEqual({ errors: [{ code: 'TAG_INVALID', message: "The image tag 'v1' already exists in the 'fixed' repository and cannot be overwritten because the tag is immutable." }] })
  })

  it('answers NAME_UNKNOWN for a repository that does not exist', async () => {
    const res = await registry(await passwordOf(t.ecr))('/v2/nowhere/manifests/latest')
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ errors: [{ code: 'NAME_UNKNOWN', message: `The repository with name 'nowhere' does not exist in the registry with id '${ACCOUNT}'` }] })
    const upload = await registry(await passwordOf(t.ecr))('/v2/nowhere/blobs/uploads/', { method: 'POST' })
    expect(await codeOf(upload)).toBe('NAME_UNKNOWN')
  })

  it('answers MANIFEST_UNKNOWN and MANIFEST_BLOB_UNKNOWN', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'sparse' }))
    const call = registry(await passwordOf(t.ecr))
    const res = await call('/v2/sparse/manifests/latest')
    expect(res.status).toBe(404)
    expect(await codeOf(res)).toBe('MANIFEST_UNKNOWN')
    const orphan = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: SCHEMA2,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1, digest: sha('x') },
      layers: []
    }))
    const put = await putManifest(call, 'sparse', 'latest', orphan)
    expect(put.status).toBe(400)
    expect(await codeOf(put)).toBe('MANIFEST_BLOB_UNKNOWN')
  })

  it('denies a principal without ecr:BatchGetImage in the decision\'s words', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'private' }))
    const root = registry(await passwordOf(t.ecr))
    const { manifest } = await image(root, 'private')
    await putManifest(root, 'private', 'latest', manifest)

    const creds = await userWithKey(t.iam, 'reg-token-only', allowPolicy('ecr:GetAuthorizationToken'))
    const call = registry(await passwordOf(t.emu.clients(creds).ecr))
    const res = await call('/v2/private/manifests/latest')
    expect(res.status).toBe(403)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const message = `User: ${user('reg-token-only')} is not authorized to perform: ecr:BatchGetImage on resource: ${arn('private')} because no identity-based policy allows the ecr:BatchGetImage action`
    expect(await res.json()).toEqual({ errors: [{ code: 'DENIED', message }] })
    const [decision] = t.emu.emulator.decisions.query({ principal: user('reg-token-only'), action: 'ecr:BatchGetImage' })
    expect(decision.decision).not.toBe('Allow')
  })

  it('lets a repository policy Deny win over an identity Allow', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'guarded-registry' }))
    const creds = await userWithKey(t.iam, 'reg-puller', allowPolicy(['ecr:GetAuthorizationToken', 'ecr:BatchGetImage']))
    const call = registry(await passwordOf(t.emu.clients(creds).ecr))
    expect((await call('/v2/guarded-registry/manifests/latest')).status).toBe(404)

    await t.ecr.send(new SetRepositoryPolicyCommand({
      repositoryName: 'guarded-registry',
      policyText: policyDocument({ Effect: 'Deny', Principal: { AWS: user('reg-puller') }, Action: 'ecr:BatchGetImage' })
    }))
    const res = await call('/v2/guarded-registry/manifests/latest')
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ errors: [{ code: 'DENIED', message: `User: ${user('reg-puller')} is not authorized to perform: ecr:BatchGetImage on resource: ${arn('guarded-registry')} with an explicit deny in a resource-based policy` }] })
  })

  it('shows pushed images in DescribeImages, BatchGetImage and BatchCheckLayerAvailability', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'listed' }))
    const call = registry(await passwordOf(t.ecr))
    const { manifest, digest, layerDigest, layer } = await image(call, 'listed', 'listed layer')
    expect((await putManifest(call, 'listed', 'v7', manifest)).status).toBe(201)

    const { imageDetails } = await t.ecr.send(new DescribeImagesCommand({ repositoryName: 'listed' }))
    expect(imageDetails).toHaveLength(1)
    const doc = JSON.parse(manifest.toString())
    expect(imageDetails![0]).toMatchObject({
      registryId: ACCOUNT, repositoryName: 'listed', imageDigest: digest, imageTags: ['v7'],
      imageSizeInBytes: doc.config.size + layer.length,
      imageManifestMediaType: SCHEMA2, artifactMediaType: 'application/vnd.docker.container.image.v1+json'
    })
    expect(imageDetails![0].imagePushedAt).toBeInstanceOf(Date)

    const { images } = await t.ecr.send(new BatchGetImageCommand({ repositoryName: 'listed', imageIds: [{ imageTag: 'v7' }] }))
    expect(images![0].imageManifest).toBe(manifest.toString())
    expect(images![0].imageId).toEqual({ imageDigest: digest, imageTag: 'v7' })

    const { layers } = await t.ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: 'listed', layerDigests: [layerDigest] }))
    expect(layers).toEqual([{ layerDigest, layerAvailability: 'AVAILABLE', layerSize: layer.length, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' }])
  })

  it('counts pushed images for DeleteRepository, and forgets them when it deletes with force', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'doomed' }))
    const call = registry(await passwordOf(t.ecr))
    const { manifest, layerDigest } = await image(call, 'doomed', 'doomed layer')
    expect((await putManifest(call, 'doomed', 'v1', manifest)).status).toBe(201)
    const refused = await t.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'doomed' })).catch((e: Error) => e)
    expect(refused).toMatchObject({ name: 'RepositoryNotEmptyException' })
    await t.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'doomed', force: true }))
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'doomed' }))
    const again = registry(await passwordOf(t.ecr))
    const gone = await again('/v2/doomed/manifests/v1')
    expect(gone.status).toBe(404)
    expect(await codeOf(gone)).toBe('MANIFEST_UNKNOWN')
    expect((await again(`/v2/doomed/blobs/${layerDigest}`, { method: 'HEAD' })).status).toBe(404)
  })

  it('lists the repositories in the catalogue', async () => {
    const res = await registry(await passwordOf(t.ecr))('/v2/_catalog')
    expect(res.status).toBe(200)
    const { repositories } = await res.json() as { repositories: string[] }
    expect(repositories).toEqual(expect.arrayContaining(['team/app', 'chunked', 'fixed']))
    expect(repositories).toEqual([...repositories].sort())
  })

  it('refuses an expired token with ECR\'s words', async () => {
    const password = await passwordOf(t.ecr)
    t.emu.emulator.db.prepare('UPDATE ecr_registry_tokens_v1 SET expires_at = 1 WHERE token = ?').run(password)
    const res = await registry(password)('/v2/')
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ errors: [{ code: 'DENIED', message: 'Your authorization token has expired. Reauthenticate and try again.' }] })
  })
})
