import { describe, expect, it } from 'vitest'
import Docker from 'dockerode'
import { LocalImages, type ImageSource } from '../../src/ecr/local-images.js'

const URI = '000000000000.dkr.ecr.us-east-1.amazonaws.com/web'
const ID = `sha256:${'1'.repeat(64)}`
const LAYER = `sha256:${'2'.repeat(64)}`

/** A Docker stand-in with one image, counting the calls it gets. */
function fakeDocker (info: Partial<Docker.ImageInfo>) {
  const calls = { list: 0, inspect: 0 }
  const source: ImageSource = {
    async listImages () {
      calls.list++
      return [{ Id: ID, Created: 1_700_000_000, Size: 42, RepoTags: [], RepoDigests: [], ...info } as unknown as Docker.ImageInfo]
    },
    getImage () {
      return {
        async inspect () {
          calls.inspect++
          return { RootFS: { Type: 'layers', Layers: [LAYER] } } as unknown as Docker.ImageInspectInfo
        }
      }
    }
  }
  return { source, calls }
}

describe('LocalImages', () => {
  it('reads an image tagged with the repository URI as one image with its tags', async () => {
    const { source } = fakeDocker({ RepoTags: [`${URI}:v2`, `${URI}:v1`, 'busybox:latest', `${URI}/inner:v3`] })
    const images = await new LocalImages(() => source).list(URI)
    expect(images).toEqual([{
      imageDigest: ID, imageTags: ['v1', 'v2'], imageSizeInBytes: 42, imagePushedAt: 1_700_000_000,
      configDigest: ID, layers: [LAYER]
    }])
  })

  it('takes the repository digest when Docker has one, and keeps an untagged image', async () => {
    const digest = `sha256:${'3'.repeat(64)}`
    const { source } = fakeDocker({ RepoDigests: [`docker.io/library/web@sha256:${'4'.repeat(64)}`, `${URI}@${digest}`] })
    const [image] = await new LocalImages(() => source).list(URI)
    expect(image).toMatchObject({ imageDigest: digest, imageTags: [], configDigest: ID })
  })

  it('asks Docker once within a second, and again after it', async () => {
    let now = 1_000_000
    const { source, calls } = fakeDocker({ RepoTags: [`${URI}:v1`] })
    const reader = new LocalImages(() => source, undefined, () => now)
    await Promise.all([reader.list(URI), reader.list(URI)])
    now += 999
    await reader.list(URI)
    expect(calls).toEqual({ list: 1, inspect: 1 })
    now += 1
    await reader.list(URI)
    expect(calls).toEqual({ list: 2, inspect: 1 })
  })

  it('answers no images when no Docker engine answers', async () => {
    const absent = new Docker({ socketPath: '/nonexistent/docker.sock' })
    expect(await new LocalImages(() => absent).list(URI)).toEqual([])
  })

  it('answers no images when the Docker client cannot be made', async () => {
    const broken = (): ImageSource => { throw new Error('DOCKER_HOST env variable should be something like tcp://localhost:1234') }
    expect(await new LocalImages(broken).list(URI)).toEqual([])
  })
})
