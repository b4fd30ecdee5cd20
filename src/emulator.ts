/**
 * The composition root: one database, the stores over it, identity and the authorizer. The
 * HTTP server (api/app.ts) and, later, the agent and the scheduler all work through this.
 */
import { createRequire } from 'node:module'
import type Docker from 'dockerode'
import type { Config } from './config.js'
import type { Logger } from './log.js'
import { openDatabase, type Db } from '../store/db.js'
import { DecisionLog, decisionsSchema } from '../store/decisions.js'
import { StsSessions, stsSchema } from '../store/sts.js'
import { TagStore, tagsSchema } from '../store/tags.js'
import { IamStore, iamSchema } from '../store/iam.js'
import { ClusterStore, clustersSchema } from '../store/ecs/clusters.js'
import { TaskDefinitionStore, taskDefinitionsSchema } from '../store/ecs/task-definitions.js'
import { ContainerInstanceStore, containerInstancesSchema } from '../store/ecs/container-instances.js'
import { AccountSettingStore, accountSettingsSchema } from '../store/ecs/account-settings.js'
import { LogStore, logsSchema } from '../store/logs.js'
import { SecretStore, secretsSchema } from '../store/secrets.js'
import { ParameterStore, parametersSchema } from '../store/ssm.js'
import { RepositoryStore, ecrSchema } from '../store/ecr.js'
import { TaskStore, tasksSchema } from '../store/ecs/tasks.js'
import { ServiceStore, servicesSchema } from '../store/ecs/services.js'
import { Ec2Store, ec2Schema } from '../store/ec2.js'
import { EfsStore, efsSchema } from '../store/efs.js'
import { Elbv2Store, elbv2Schema } from '../store/elbv2.js'
import { CERTIFICATE_NAMES, DataPlane } from './elbv2/dataplane/index.js'
import { storedCertificate } from './elbv2/dataplane/certificate.js'
import { EfsStorage } from './efs/storage.js'
import { AcsHub } from './acs/hub.js'
import { MetadataService } from './ec2/metadata.js'
import { TaskLifecycle } from './ecs/task-lifecycle.js'
import { STOPPED_TASK_RETENTION_MS } from './ecs/task.js'
import { ServiceScheduler } from './ecs/service-scheduler.js'
import { ensureBuiltins } from './ec2/builtins.js'
import type { AgentLauncher } from './ec2/instance.js'
import { Identity } from './iam/identity.js'
import { Authorizer } from './iam/authorizer.js'
import { ecrRegistrySchema, ecrRegistryUploadsSchema } from '../store/ecr-registry.js'
import { GenerationStore, generationSchema } from '../store/generation.js'
import { RoleUsage, roleUsageSchema } from '../store/role-usage.js'
import { RegistryServer } from '../api/ecr-registry/server.js'

const SCHEMAS = [decisionsSchema, stsSchema, tagsSchema, iamSchema, clustersSchema,
  taskDefinitionsSchema, containerInstancesSchema, accountSettingsSchema, logsSchema, secretsSchema,
  parametersSchema, ecrSchema, tasksSchema, ec2Schema, efsSchema, elbv2Schema, servicesSchema,
  ecrRegistrySchema, ecrRegistryUploadsSchema, generationSchema, roleUsageSchema]

export interface EcsStores {
  clusters: ClusterStore
  taskDefinitions: TaskDefinitionStore
  containerInstances: ContainerInstanceStore
  accountSettings: AccountSettingStore
  tasks: TaskStore
  services: ServiceStore
}

export interface Ec2 {
  store: Ec2Store
  metadata: MetadataService
  /** Starts the agent of an instance RunInstances launches (set by the CLI). */
  launcher?: AgentLauncher
}

export interface Efs {
  store: EfsStore
  /** Each file system's data, a directory on this host. */
  storage: EfsStorage
}

export class Emulator {
  readonly db: Db
  readonly decisions: DecisionLog
  readonly sessions: StsSessions
  readonly tags: TagStore
  readonly iam: IamStore
  /** When each role was last used (GetRole's RoleLastUsed). */
  readonly roleUsage: RoleUsage
  readonly ecs: EcsStores
  readonly logs: LogStore
  readonly secrets: SecretStore
  readonly parameters: ParameterStore
  readonly repositories: RepositoryStore
  /** Changes with each reset: how agents started elsewhere learn that their instance was wiped. */
  readonly generation: GenerationStore
  /** ECR's registry: its own listener on 127.0.0.1 (api/ecr-registry), manifests, blobs. */
  readonly registry: RegistryServer
  readonly ec2: Ec2
  readonly efs: Efs
  readonly elbv2: Elbv2Store
  /** The ELBv2 data plane: a socket per listener, health checks (src/elbv2/dataplane). */
  readonly loadBalancers: DataPlane
  readonly acs: AcsHub
  readonly taskLifecycle: TaskLifecycle
  /** Keeps each service's tasks, registered with its load balancers (src/ecs/service-scheduler.ts). */
  readonly serviceScheduler: ServiceScheduler
  readonly identity: Identity
  readonly authorizer: Authorizer
  readonly #sweeper: NodeJS.Timeout
  readonly #taskSweeper: NodeJS.Timeout
  #docker: Docker | undefined

  constructor (readonly config: Config, readonly log: Logger) {
    this.db = openDatabase(config.dataDir, SCHEMAS)
    this.decisions = new DecisionLog(this.db, config.decisionLogLimit)
    this.sessions = new StsSessions(this.db)
    this.tags = new TagStore(this.db)
    this.iam = new IamStore(this.db)
    this.roleUsage = new RoleUsage(this.db)
    this.ecs = {
      clusters: new ClusterStore(this.db),
      taskDefinitions: new TaskDefinitionStore(this.db),
      containerInstances: new ContainerInstanceStore(this.db),
      accountSettings: new AccountSettingStore(this.db),
      tasks: new TaskStore(this.db),
      services: new ServiceStore(this.db)
    }
    this.logs = new LogStore(this.db)
    this.secrets = new SecretStore(this.db)
    this.parameters = new ParameterStore(this.db)
    this.repositories = new RepositoryStore(this.db)
    this.generation = new GenerationStore(this.db)
    this.identity = new Identity(config, this.iam, this.sessions)
    this.authorizer = new Authorizer(this.iam, this.decisions, config.iam, this.roleUsage)
    this.registry = new RegistryServer(this, config.registryPort)
    this.ec2 = { store: new Ec2Store(this.db), metadata: new MetadataService(this) }
    this.efs = { store: new EfsStore(this.db), storage: new EfsStorage(config.dataDir) }
    this.elbv2 = new Elbv2Store(this.db)
    this.loadBalancers = new DataPlane(this.elbv2, log, {
      scale: config.timeScale,
      instanceHost: config.instanceHost,
      // Listeners follow the API onto the wildcard (in a container, to be published).
      ...(['0.0.0.0', '::'].includes(config.host) ? { host: config.host } : {}),
      certificate: () => storedCertificate(config.dataDir, CERTIFICATE_NAMES)
    })
    this.acs = new AcsHub(this)
    this.taskLifecycle = new TaskLifecycle(this)
    this.taskLifecycle.run()
    this.serviceScheduler = new ServiceScheduler(this, config.timeScale)
    ensureBuiltins(this)
    this.loadBalancers.start()
    this.#sweeper = setInterval(() => this.#sweep('hourly', () => {
      this.sessions.prune(Date.now() / 1000)
      this.registry.purgeUploads()
    }), 3_600_000).unref()
    this.#taskSweeper = setInterval(() => this.#sweep('stopped tasks', () => this.expireStoppedTasks()), 60_000).unref()
    this.expireStoppedTasks()
  }

  /** A timer's clean-up: a failure is logged, and the next run tries again. */
  #sweep (what: string, run: () => void): void {
    try {
      run()
    } catch (e) {
      this.log.error({ err: e, sweep: what }, 'a periodic clean-up failed')
    }
  }

  /** Forgets the tasks that have been STOPPED longer than AWS keeps them, and their tags. */
  expireStoppedTasks (now = Date.now()): void {
    this.db.transaction(() => {
      for (const arn of this.ecs.tasks.expire((now - STOPPED_TASK_RETENTION_MS) / 1000)) this.tags.drop(arn)
    })()
  }

  /**
   * The local Docker engine as the control plane reads it (ECR's repository images), made on
   * first use from DOCKER_HOST or the default socket. An engine that does not answer fails
   * each call: its readers treat that as "no images".
   */
  get docker (): Docker {
    // Required on first use: dockerode (and what it pulls in) costs start-up time otherwise.
    const DockerClient = createRequire(import.meta.url)('dockerode') as typeof Docker
    this.#docker ??= new DockerClient()
    return this.#docker
  }

  /**
   * Wipes the user's state: every row of every table, in one transaction, and makes a new
   * generation. The emulator's own (built-in role, profile, default VPC) is made again; the
   * agents still connected have their sessions closed, and rejoin (agent/main.ts).
   */
  reset (): void {
    this.decisions.flush()
    const tables = this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'
      AND name NOT LIKE 'sqlite_%' AND name <> 'schema_v1'`).pluck().all() as string[]
    this.db.transaction(() => { for (const t of tables) this.db.exec(`DELETE FROM "${t}"`) })()
    this.sessions.clear()
    this.generation.clearCache()
    this.tags.clearCache()
    this.ecs.clusters.clearCache()
    this.ecs.containerInstances.clearCache()
    this.ecs.tasks.clearCache()
    this.iam.clearCaches()
    this.roleUsage.clear()
    this.efs.storage.clear()
    this.registry.clear()
    this.serviceScheduler.clear()
    this.acs.closeWiped()
    ensureBuiltins(this)
    this.generation.current()
  }

  close (): void {
    clearInterval(this.#sweeper)
    clearInterval(this.#taskSweeper)
    this.loadBalancers.close()
    this.acs.close()
    this.registry.close()
    this.taskLifecycle.close()
    this.serviceScheduler.close()
    void this.ec2.metadata.close()
    this.decisions.flush()
    this.db.close()
    this.efs.storage.close()
  }
}
