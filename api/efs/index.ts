/**
 * Amazon EFS's control plane (restJson1, `/2015-02-01/...`, signing name elasticfilesystem):
 * file systems and their policies and lifecycle settings, access points, mount targets (network
 * interfaces of the emulated EC2) and tags. Each file system's data is a directory on this
 * host; a task's volume is mounted through `POST /_emulator/efs/mount` (api/efs/mount-route.ts).
 */
import { efsErrors } from '../../src/efs/errors.js'
import type { Service } from '../registry.js'
import { accessPointOperations } from './access-points.js'
import { fileSystemOperations } from './file-systems.js'
import { mountTargetOperations } from './mount-targets.js'

export const efs: Service = {
  name: 'efs',
  model: 'efs',
  protocol: 'rest-json',
  signingName: 'elasticfilesystem',
  actionPrefix: 'elasticfilesystem',
  // `1 validation error detected: Value '/a/b/c/d/e' at 'rootDirectory.path' failed to satisfy
  // constraint: Member must satisfy regular expression pattern: ^(\/|...)$`, as EFS answers.
  checkPatterns: true,
  invalidInput: efsErrors.validation,
  // EFS's denials name no resource: `User: ARN is not authorized to perform:
  // elasticfilesystem:DescribeFileSystems on the specified resource` (real answers, 2018-2022).
  denialMessage: d => `User: ${d.principal} is not authorized to perform: ${d.action} on the specified resource`,
  operations: { ...fileSystemOperations, ...accessPointOperations, ...mountTargetOperations }
}
