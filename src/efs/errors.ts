/**
 * EFS's errors, as the API Reference names them and real answers word them. Each carries the
 * HTTP status of its shape in the model; the wire writes `{"ErrorCode", "Message", ...}`.
 */
import { AwsError, validationMessage } from '../../api/errors.js'

const e = (code: string, status: number, message: string, members?: Record<string, unknown>): AwsError =>
  new AwsError(code, message, status, 'Sender', members)

export const efsErrors = {
  fileSystemNotFound: (id: string) => e('FileSystemNotFound', 404, `File system '${id}' does not exist.`),
  fileSystemExists: (id: string, token: string) => e('FileSystemAlreadyExists', 409,
    `File system '${id}' already exists with creation token '${token}'`, { FileSystemId: id }),
  fileSystemInUse: (id: string) => e('FileSystemInUse', 409,
    `The file system '${id}' cannot be deleted because it has mount targets. You must delete the mount targets, and then try again.`),
  // (unconfirmed) the wording of the errors below; the codes and statuses are the model's.
  accessPointNotFound: (id: string) => e('AccessPointNotFound', 404, `Access point '${id}' does not exist.`),
  accessPointExists: (id: string, token: string) => e('AccessPointAlreadyExists', 409,
    `Access point '${id}' already exists with client token '${token}'`, { AccessPointId: id }),
  mountTargetNotFound: (id: string) => e('MountTargetNotFound', 404, `Mount target '${id}' does not exist.`),
  policyNotFound: (id: string) => e('PolicyNotFound', 404, `Policy for file system '${id}' does not exist.`),
  // As Terraform and CloudFormation users quote it.
  mountTargetInZone: () => e('MountTargetConflict', 409, 'mount target already exists in this AZ'),
  mountTargetOtherVpc: () => e('MountTargetConflict', 409,
    'requested subnet for new mount target is not in the same VPC as existing mount targets'),
  subnetNotFound: (id: string) => e('SubnetNotFound', 400, `The subnet ID '${id}' does not exist`),
  securityGroupNotFound: (id: string) => e('SecurityGroupNotFound', 400, `The security group '${id}' does not exist`),
  securityGroupOtherVpc: (id: string) => e('SecurityGroupNotFound', 400,
    `The security group '${id}' does not belong to the VPC of the subnet`),
  securityGroupLimit: () => e('SecurityGroupLimitExceeded', 400,
    'The number of security groups for the mount target exceeds the limit of 5.'),
  ipAddressInUse: (ip: string) => e('IpAddressInUse', 409, `IP address ${ip} is already in use in the subnet.`),
  ipAddressOutside: (ip: string, subnet: string) => e('BadRequest', 400,
    `IP address ${ip} is not in the CIDR block of subnet ${subnet}.`),
  zonesMismatch: () => e('AvailabilityZonesMismatch', 400,
    'The mount target must be in the Availability Zone of the One Zone file system.'),
  unsupportedZone: (zone: string) => e('UnsupportedAvailabilityZone', 400,
    `Availability Zone '${zone}' is not supported.`),
  invalidPolicy: (why: string) => e('InvalidPolicyException', 400, why),
  badRequest: (message: string) => e('BadRequest', 400, message),
  validation: (failures: string[]) => e('ValidationException', 400, validationMessage(failures))
}
