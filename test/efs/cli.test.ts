import { execFile, spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { CLIS, aws, cliTitle } from '../support/cli.js'

const t = useEmulator()

describe(cliTitle('AWS CLI: EFS'), () => {
  for (const cli of CLIS) {
    // Two rounds of calls, the CLIs side by side: each CLI start costs about a second.
    it.concurrent(`creates a file system, lists its tags by ARN, and shows errors as the CLI does (CLI v${cli.version})`, async () => {
      const created = await aws(cli, t.emu.url, ['efs', 'create-file-system', '--creation-token', `cli-v${cli.version}`,
        '--tags', 'Key=Name,Value=cli'])
      expect(created.status, created.stderr).toBe(0)
      expect(created.json).toMatchObject({ LifeCycleState: 'creating', Name: 'cli', PerformanceMode: 'generalPurpose' })
      const id = created.json.FileSystemId

      const [tags, ap, missing] = await Promise.all([
        aws(cli, t.emu.url, ['efs', 'list-tags-for-resource', '--resource-id', created.json.FileSystemArn]),
        aws(cli, t.emu.url, ['efs', 'create-access-point', '--file-system-id', id,
          '--posix-user', 'Uid=1000,Gid=1000', '--root-directory', 'Path=/cli,CreationInfo={OwnerUid=1000,OwnerGid=1000,Permissions=755}']),
        aws(cli, t.emu.url, ['efs', 'describe-file-systems', '--file-system-id', 'fs-0123456789abcdef0'])
      ])
      expect(tags.status, tags.stderr).toBe(0)
      expect(tags.json.Tags).toEqual([{ Key: 'Name', Value: 'cli' }])
      expect(ap.status, ap.stderr).toBe(0)
      expect(ap.json.RootDirectory).toEqual({ Path: '/cli', CreationInfo: { OwnerUid: 1000, OwnerGid: 1000, Permissions: '755' } })
      expect(missing.status).not.toBe(0)
      expect(missing.stderr.trim()).toBe("An error occurred (FileSystemNotFound) when calling the DescribeFileSystems operation: File system 'fs-0123456789abcdef0' does not exist.")
    })
  }
})

const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' }).status === 0

// One Python process drives boto3 through a few calls and prints what it saw, as JSON.
const SCRIPT = `
import boto3, botocore, json, sys
efs = boto3.client('efs', endpoint_url=sys.argv[1], region_name='us-east-1',
                   aws_access_key_id='test', aws_secret_access_key='test')
out = {}
fs = efs.create_file_system(CreationToken='boto3', Encrypted=True)
out['created'] = {k: fs[k] for k in ('LifeCycleState', 'Encrypted', 'CreationTime')}
out['created']['CreationTime'] = fs['CreationTime'].isoformat()
try:
    efs.create_file_system(CreationToken='boto3')
except botocore.exceptions.ClientError as e:
    out['exists'] = {'code': e.response['Error']['Code'], 'message': e.response['Error']['Message'],
                     'status': e.response['ResponseMetadata']['HTTPStatusCode'], 'id': e.response.get('FileSystemId')}
ap = efs.create_access_point(FileSystemId=fs['FileSystemId'], Tags=[{'Key': 'Name', 'Value': 'b'}])
out['accessPoint'] = efs.describe_access_points(AccessPointId=ap['AccessPointArn'])['AccessPoints'][0]['Name']
efs.untag_resource(ResourceId=ap['AccessPointId'], TagKeys=['Name'])
out['untagged'] = efs.list_tags_for_resource(ResourceId=ap['AccessPointId'])['Tags']
try:
    efs.delete_mount_target(MountTargetId='fsmt-0123456789abcdef0')
except efs.exceptions.MountTargetNotFound as e:
    out['mountTarget'] = e.response['Error']['Code']
print(json.dumps(out))
`

describe(hasBoto3 ? 'boto3: EFS' : 'boto3: EFS (skipped: python3 with boto3 is not installed)', () => {
  it.skipIf(!hasBoto3).concurrent('parses answers and errors as boto3 does', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('python3', ['-c', SCRIPT, t.emu.url], { timeout: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
        (error, out, err) => error === null ? resolve(out) : reject(new Error(err)))
    })
    const out = JSON.parse(stdout)
    expect(out.created).toMatchObject({ LifeCycleState: 'creating', Encrypted: true })
    expect(out.exists).toMatchObject({ code: 'FileSystemAlreadyExists', status: 409 })
    expect(out.exists.message).toMatch(/^File system 'fs-[0-9a-f]{17}' already exists with creation token 'boto3'$/)
    expect(out.accessPoint).toBe('b')
    expect(out.untagged).toEqual([])
    expect(out.mountTarget).toBe('MountTargetNotFound')
  })
})
