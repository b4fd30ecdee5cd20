/**
 * The emulated EC2: instances, VPCs, subnets, security groups, network interfaces. (Filled in by
 * the EC2 work.)
 */
import type { Db, Schema } from './db.js'

export const ec2Schema: Schema = {
  name: 'ec2',
  sql: `CREATE TABLE ec2_instances_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    id TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, id)
  );`
}

export class Ec2Store {
  constructor (readonly db: Db) {}
}
