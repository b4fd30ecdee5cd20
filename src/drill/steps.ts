/**
 * The steps of a drill scenario, as the caller performs them: AWS calls through the real SDK
 * clients, signed with the caller's key; waits that watch as the root user (so that watching
 * never depends on the permissions being drilled); requests through a listener; a look at the
 * logs; a `docker push` to the emulator's registry. A step that fails says what the user sees
 * and which resources to trace the cause from.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { followProgress } from '../../agent/docker-progress.js'
import type { RunningServer } from '../server.js'
import { ScenarioError, stepKind, type CallStep, type HttpStep, type LogsStep, type PushStep, type Scenario, type Step, type WaitStep } from './scenario.js'

export type StepOutcome =
  | { ok: true }
  /** `subjects`: what src/drill/explain.ts traces the cause from (ARNs, instance ids, request ids). */
  | { ok: false, symptom: string, subjects?: string[] }

interface Credentials { accessKeyId: string, secretAccessKey: string }

/** The SDK v3 package and client of each service a step may call. */
const SDK: Record<string, [string, string]> = {
  ecs: ['@aws-sdk/client-ecs', 'ECSClient'],
  ec2: ['@aws-sdk/client-ec2', 'EC2Client'],
  elbv2: ['@aws-sdk/client-elastic-load-balancing-v2', 'ElasticLoadBalancingV2Client'],
  iam: ['@aws-sdk/client-iam', 'IAMClient'],
  logs: ['@aws-sdk/client-cloudwatch-logs', 'CloudWatchLogsClient'],
  ecr: ['@aws-sdk/client-ecr', 'ECRClient'],
  secretsmanager: ['@aws-sdk/client-secrets-manager', 'SecretsManagerClient'],
  ssm: ['@aws-sdk/client-ssm', 'SSMClient'],
  efs: ['@aws-sdk/client-efs', 'EFSClient'],
  sts: ['@aws-sdk/client-sts', 'STSClient']
}

const ROOT: Credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const POLL_MS = 250
const DEFAULT_TIMEOUT_S = 60

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

/** An SDK error as the AWS CLI prints it. */
export function cliError (e: unknown, operation: string): string {
  const err = e as { name?: string, message?: string }
  return `An error occurred (${err.name ?? 'Error'}) when calling the ${operation} operation: ${err.message ?? String(e)}`
}

export class Steps {
  /** The caller's key, once the starting state has made it. */
  callerCredentials: Credentials | undefined
  readonly vars = new Map<string, unknown>()
  readonly #clients = new Map<string, { send: (c: unknown) => Promise<any>, destroy: () => void }>()
  readonly #docker = new Docker()
  readonly #pushed: string[] = []

  constructor (private readonly server: RunningServer, private readonly scenario: Scenario,
    private readonly ids: { runId: string, label: string }) {
    const account = server.emulator.config.accountId
    this.vars.set('ACCOUNT', account)
    this.vars.set('REGION', scenario.region)
    for (const [name, role] of Object.entries(scenario.roles)) {
      this.vars.set(`ROLE_ARN_${name}`, `arn:aws:iam::${account}:role/${name}`)
      if (role.instanceProfile !== undefined) {
        this.vars.set(`PROFILE_ARN_${role.instanceProfile}`, `arn:aws:iam::${account}:instance-profile/${role.instanceProfile}`)
      }
    }
    // A deleted role's ARN is still what the steps name.
    for (const name of roleNamesIn(scenario)) {
      if (!this.vars.has(`ROLE_ARN_${name}`)) this.vars.set(`ROLE_ARN_${name}`, `arn:aws:iam::${account}:role/${name}`)
    }
  }

  async send (service: string, operation: string, input: Record<string, unknown>,
    as: 'root' | 'caller'): Promise<any> {
    const client = await this.#client(service, as)
    const mod = await import(SDK[service][0]) as Record<string, new (input: unknown) => unknown>
    const Command = mod[`${operation}Command`]
    if (Command === undefined) throw new ScenarioError(`${service} has no operation ${operation}`)
    return await client.send(new Command(input))
  }

  /** Waits for the built-in agent, the emulator's Fargate capacity, to join `default`. */
  async fargateCapacity (): Promise<void> {
    const joined = await this.#until({ name: 'Fargate capacity', timeout: 60 } as Step, async () => {
      const arns = (await this.send('ecs', 'ListContainerInstances', { cluster: 'default' }, 'root').catch(() => ({}))).containerInstanceArns ?? []
      if (arns.length === 0) return false
      const { containerInstances } = await this.send('ecs', 'DescribeContainerInstances', { cluster: 'default', containerInstances: arns }, 'root')
      return (containerInstances ?? []).some((i: any) => i.agentConnected === true)
    })
    if (!joined) throw new ScenarioError('the emulator\'s Fargate capacity (its built-in agent) did not join within 60 s')
  }

  async run (step: Step): Promise<StepOutcome> {
    switch (stepKind(step)) {
      case 'call': return await this.#call(step as CallStep)
      case 'wait': return await this.#wait(step as WaitStep)
      case 'http': return await this.#http(step as HttpStep)
      case 'logs': return await this.#logs(step as LogsStep)
      case 'push': return await this.#push(step as PushStep)
    }
  }

  /** Removes the run's containers and the image names it pushed or pulled. */
  async cleanUp (): Promise<void> {
    for (const c of this.#clients.values()) c.destroy()
    const filters = JSON.stringify({ label: [`${this.ids.label}=${this.ids.runId}`] })
    const containers = await this.#docker.listContainers({ all: true, filters }).catch(() => [])
    await Promise.all(containers.map(async c => await this.#docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})))
    const networks = await this.#docker.listNetworks({ filters }).catch(() => [])
    await Promise.all(networks.map(async n => await this.#docker.getNetwork(n.Id).remove().catch(() => {})))
    const registry = `${this.server.emulator.registry.host}/`
    const images = await this.#docker.listImages().catch(() => [])
    const names = images.flatMap(i => i.RepoTags ?? []).filter(t => t.startsWith(registry))
    for (const name of [...new Set([...names, ...this.#pushed])]) {
      await this.#docker.getImage(name).remove({ noprune: false }).catch(() => {})
    }
  }

  // --- calls ----------------------------------------------------------------------------------

  async #call (step: CallStep): Promise<StepOutcome> {
    const [service, operation] = step.call.split('.')
    if (SDK[service] === undefined) throw new ScenarioError(`step '${step.name}': no service '${service}' (${Object.keys(SDK).join(', ')})`)
    const input = this.#resolve(step.input ?? {}, step.name) as Record<string, unknown>
    let output: any
    try {
      output = await this.send(service, operation, input, 'caller')
    } catch (e) {
      if (e instanceof ScenarioError) throw e
      const requestId = (e as { $metadata?: { requestId?: string } }).$metadata?.requestId
      return { ok: false, symptom: cliError(e, operation), subjects: requestId === undefined ? [] : [requestId] }
    }
    this.#save(step, output)
    return { ok: true }
  }

  // --- waits ----------------------------------------------------------------------------------

  async #wait (step: WaitStep): Promise<StepOutcome> {
    if (step.wait === 'instances') return await this.#instances(step)
    if (step.wait === 'task') return await this.#task(step)
    return await this.#service(step)
  }

  async #instances (step: WaitStep): Promise<StepOutcome> {
    const cluster = this.#text(step.cluster ?? 'default', step.name)
    const count = step.count ?? 1
    let connected = 0
    let registered: any[] = []
    const done = await this.#until(step, async () => {
      const arns = (await this.send('ecs', 'ListContainerInstances', { cluster }, 'root')).containerInstanceArns ?? []
      registered = arns.length === 0
        ? []
        : (await this.send('ecs', 'DescribeContainerInstances', { cluster, containerInstances: arns }, 'root')).containerInstances ?? []
      connected = registered.filter(i => i.status === 'ACTIVE' && i.agentConnected === true).length
      return connected >= count
    })
    if (done) return { ok: true }
    const instances = await this.#ec2Instances()
    const subjects = [...registered.map(i => i.containerInstanceArn as string), ...instances]
    if (registered.length < count) {
      return { ok: false, symptom: `No container instance joined cluster ${cluster} (ListContainerInstances lists ${registered.length} of ${count})`, subjects }
    }
    const idle = registered.filter(i => i.agentConnected !== true).map(i => `${i.ec2InstanceId as string} agentConnected: false`)
    return { ok: false, symptom: `The container instances of cluster ${cluster} are not connected: ${idle.join(', ')}`, subjects }
  }

  async #task (step: WaitStep): Promise<StepOutcome> {
    const cluster = this.#text(step.cluster ?? 'default', step.name)
    const arn = this.#text(step.task ?? '', step.name)
    let task: any
    const done = await this.#until(step, async () => {
      task = (await this.send('ecs', 'DescribeTasks', { cluster, tasks: [arn] }, 'root')).tasks?.[0]
      return task?.lastStatus === 'RUNNING' || task?.lastStatus === 'STOPPED'
    })
    if (done && task.lastStatus === 'RUNNING') return { ok: true }
    const subjects = [arn, ...await this.#ec2Instances()]
    if (task === undefined) return { ok: false, symptom: `DescribeTasks does not know ${arn}`, subjects }
    if (task.lastStatus !== 'STOPPED') {
      return { ok: false, symptom: `The task stayed ${task.lastStatus as string} (desired ${task.desiredStatus as string}) for ${this.#timeout(step)} s`, subjects }
    }
    return { ok: false, symptom: stoppedText(task), subjects }
  }

  async #service (step: WaitStep): Promise<StepOutcome> {
    const cluster = this.#text(step.cluster ?? 'default', step.name)
    const name = this.#text(step.service ?? '', step.name)
    let service: any
    const done = await this.#until(step, async () => {
      service = (await this.send('ecs', 'DescribeServices', { cluster, services: [name] }, 'root')).services?.[0]
      if (step.status !== undefined) return service?.status === step.status
      // `aws ecs wait services-stable`: one deployment, and as many running as desired.
      return service !== undefined && service.deployments?.length === 1 && service.runningCount === service.desiredCount
    })
    if (done) return { ok: true }
    if (service === undefined) return { ok: false, symptom: `DescribeServices does not know service ${name}` }
    const event = service.events?.[0]?.message as string | undefined
    const counts = step.status !== undefined
      ? `status ${service.status as string}, not ${step.status}, with runningCount ${service.runningCount as number}`
      : `runningCount ${service.runningCount as number} of desiredCount ${service.desiredCount as number}`
    return {
      ok: false,
      symptom: event === undefined ? `The service never reached ${step.status ?? 'a steady state'} (${counts})` : `${event} (${counts})`,
      subjects: [service.serviceArn]
    }
  }

  /** Every task of every cluster, newest first as ListTasks gives them. */
  async #taskArns (): Promise<string[]> {
    const { clusterArns } = await this.send('ecs', 'ListClusters', {}, 'root')
    const out: string[] = []
    for (const cluster of clusterArns ?? []) {
      for (const desiredStatus of ['RUNNING', 'STOPPED']) {
        const { taskArns } = await this.send('ecs', 'ListTasks', { cluster, desiredStatus }, 'root')
        out.push(...(taskArns ?? []))
      }
    }
    return out
  }

  async #ec2Instances (): Promise<string[]> {
    const out = await this.send('ec2', 'DescribeInstances', {}, 'root').catch(() => ({}))
    return ((out.Reservations ?? []) as any[]).flatMap(r => (r.Instances ?? []).map((i: any) => i.InstanceId as string))
  }

  // --- the listener ---------------------------------------------------------------------------

  async #http (step: HttpStep): Promise<StepOutcome> {
    const target = this.#text(step.http, step.name)
    const url = target.startsWith('http') ? target : `${this.#listenerUrl(target)}${step.path ?? '/'}`
    const expected = step.expect ?? 200
    const count = step.count ?? 5
    let last = ''
    const done = await this.#until(step, async () => {
      for (let i = 0; i < count; i++) {
        const answer = await fetch(url, { signal: AbortSignal.timeout(5000) })
          .then(async r => ({ status: r.status, text: await r.text() }))
          .catch((e: Error) => ({ status: 0, text: e.message }))
        if (answer.status !== expected) {
          last = answer.status === 0 ? `GET ${url} failed: ${answer.text}` : `GET ${url} answered ${answer.status}: ${firstLine(answer.text)}`
          return false
        }
      }
      return true
    })
    if (done) return { ok: true }
    return { ok: false, symptom: last, subjects: target.startsWith('http') ? [] : await this.#targetGroupsOf(target) }
  }

  #listenerUrl (listenerArn: string): string {
    const mapping = this.server.emulator.loadBalancers.mappings().find(m => m.ListenerArn === listenerArn)
    if (mapping === undefined) throw new ScenarioError(`no listener ${listenerArn} is served`)
    return `${mapping.Protocol === 'HTTPS' ? 'https' : 'http'}://127.0.0.1:${mapping.HostPort}`
  }

  async #targetGroupsOf (listenerArn: string): Promise<string[]> {
    const { Rules } = await this.send('elbv2', 'DescribeRules', { ListenerArn: listenerArn }, 'root').catch(() => ({ Rules: [] }))
    const arns = ((Rules ?? []) as any[]).flatMap(r => (r.Actions ?? []).flatMap((a: any) => [
      a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((t: any) => t.TargetGroupArn)
    ])).filter((a: unknown): a is string => typeof a === 'string')
    return [...new Set(arns)]
  }

  // --- logs -----------------------------------------------------------------------------------

  async #logs (step: LogsStep): Promise<StepOutcome> {
    const logGroupName = this.#text(step.logs, step.name)
    const wanted = this.#text(step.contains, step.name)
    let events: string[] = []
    let refused: string | undefined
    const done = await this.#until(step, async () => {
      try {
        const out = await this.send('logs', 'FilterLogEvents', { logGroupName }, 'caller')
        events = ((out.events ?? []) as any[]).map(e => String(e.message))
        return events.some(m => m.includes(wanted))
      } catch (e) {
        refused = cliError(e, 'FilterLogEvents')
        return true
      }
    })
    if (done && refused === undefined) return { ok: true }
    if (refused !== undefined) return { ok: false, symptom: refused }
    // The application's own account of a failure first; else what it wrote last.
    const telling = events.filter(m => /error|exception|denied|not authorized|failed/i.test(m)).slice(-2)
    const tail = telling.length > 0 ? telling : events.slice(-3)
    return {
      ok: false,
      // The application wrote the log: its tasks' calls, as their task role, are the suspects.
      subjects: await this.#taskArns(),
      symptom: tail.length === 0
        ? `The log group ${logGroupName} has no events`
        : `No event of ${logGroupName} contains '${wanted}'; ${telling.length > 0 ? 'it says' : 'the last'}: ${tail.join(' | ')}`
    }
  }

  // --- docker push ----------------------------------------------------------------------------

  async #push (step: PushStep): Promise<StepOutcome> {
    const repositoryName = this.#text(step.repository, step.name)
    const tag = this.#text(step.tag ?? 'latest', step.name)
    let password: string
    try {
      const { authorizationData } = await this.send('ecr', 'GetAuthorizationToken', {}, 'caller')
      password = Buffer.from(authorizationData[0].authorizationToken, 'base64').toString('utf8').replace(/^AWS:/, '')
    } catch (e) {
      const requestId = (e as { $metadata?: { requestId?: string } }).$metadata?.requestId
      return { ok: false, symptom: cliError(e, 'GetAuthorizationToken'), subjects: requestId === undefined ? [] : [requestId] }
    }
    const { repositories } = await this.send('ecr', 'DescribeRepositories', { repositoryNames: [repositoryName] }, 'root')
      .catch(() => ({ repositories: [] }))
    const uri = repositories[0]?.repositoryUri as string | undefined
    if (uri === undefined) return { ok: false, symptom: `name unknown: The repository with name '${repositoryName}' does not exist in the registry with id '${this.vars.get('ACCOUNT') as string}'` }
    const ref = `${uri}:${tag}`
    this.#pushed.push(ref)
    const built = await this.#build(this.#text(step.push, step.name), ref)
    if (built !== undefined) return { ok: false, symptom: built }
    try {
      const stream = await this.#docker.getImage(ref).push({ authconfig: { username: 'AWS', password, serveraddress: this.server.emulator.registry.host } })
      await followProgress(this.#docker, stream)
    } catch (e) {
      return { ok: false, symptom: (e as Error).message }
    } finally {
      // Only the registry keeps it: a task must pull it.
      await this.#docker.getImage(ref).remove().catch(() => {})
    }
    this.#save(step, { imageUri: ref })
    return { ok: true }
  }

  /**
   * The image to push: IMAGE with one layer of this run's own on top, so that once pushed and
   * removed here, the agent's pull must download that layer (and the config) from the registry,
   * as an instance that never had the image would. The error text when Docker cannot build it.
   */
  async #build (image: string, ref: string): Promise<string | undefined> {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-drill-image-'))
    try {
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${image}\nCOPY drill-run /etc/ecs-emulator-drill-run\nLABEL ${this.ids.label}=${this.ids.runId}\n`)
      writeFileSync(join(dir, 'drill-run'), `${this.ids.runId}\n`)
      const stream = await this.#docker.buildImage({ context: dir, src: ['Dockerfile', 'drill-run'] }, { t: ref, rm: true })
      await followProgress(this.#docker, stream)
      return undefined
    } catch (e) {
      return `cannot build the image to push from ${image}: ${(e as Error).message}`
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  // --- helpers --------------------------------------------------------------------------------

  async #client (service: string, as: 'root' | 'caller'): Promise<{ send: (c: unknown) => Promise<any>, destroy: () => void }> {
    const key = `${service} ${as}`
    const known = this.#clients.get(key)
    if (known !== undefined) return known
    const credentials = as === 'root' ? ROOT : this.callerCredentials
    if (credentials === undefined) throw new ScenarioError('the caller has no key yet')
    const [pkg, name] = SDK[service]
    const mod = await import(pkg) as Record<string, new (config: unknown) => { send: (c: unknown) => Promise<any>, destroy: () => void }>
    const client = new mod[name]({ endpoint: this.server.url, region: this.scenario.region, credentials, maxAttempts: 1 })
    this.#clients.set(key, client)
    return client
  }

  /** Polls `check` every 250 ms until it holds or the step's timeout passes. */
  async #until (step: Step, check: () => Promise<boolean>): Promise<boolean> {
    const deadline = Date.now() + this.#timeout(step) * 1000
    for (;;) {
      if (await check()) return true
      if (Date.now() > deadline) return false
      await sleep(POLL_MS)
    }
  }

  #timeout = (step: Step): number => step.timeout ?? DEFAULT_TIMEOUT_S

  #save (step: Step, output: unknown): void {
    for (const [name, path] of Object.entries(step.save ?? {})) {
      const value = pathValue(output, path)
      if (value === undefined) throw new ScenarioError(`step '${step.name}': the output has no ${path} to save as ${name}`)
      this.vars.set(name, value)
    }
  }

  #text (value: string, step: string): string {
    return String(this.#resolve(value, step))
  }

  /** `${NAME}` references replaced; a string that is one reference keeps the value's type. */
  resolve<T> (value: T, where: string): T {
    return this.#resolve(value, where) as T
  }

  #resolve (value: unknown, step: string): unknown {
    if (typeof value === 'string') {
      const whole = /^\$\{([A-Za-z0-9_]+)\}$/.exec(value)
      if (whole !== null) return this.#var(whole[1], step)
      return value.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => String(this.#var(name, step)))
    }
    if (Array.isArray(value)) return value.map(v => this.#resolve(v, step))
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.#resolve(v, step)]))
    }
    return value
  }

  #var (name: string, step: string): unknown {
    if (!this.vars.has(name)) throw new ScenarioError(`step '${step}': \${${name}} is not known here (known: ${[...this.vars.keys()].join(', ')})`)
    return this.vars.get(name)
  }
}

/** What DescribeTasks shows of a stopped task: its stop code and reason, and its containers'. */
function stoppedText (task: any): string {
  const reasons = ((task.containers ?? []) as any[])
    .filter(c => typeof c.reason === 'string' && c.reason !== task.stoppedReason)
    .map(c => `container ${c.name as string}: ${c.reason as string}`)
  return [`${task.stopCode as string}: ${task.stoppedReason as string}`, ...reasons].join('\n')
}

const firstLine = (text: string): string => {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1] ?? /<h1>([^<]*)<\/h1>/i.exec(text)?.[1]
  return (title ?? text.split('\n')[0]).trim().slice(0, 200)
}

/** `a.b[0].c` in `value`. */
export function pathValue (value: unknown, path: string): unknown {
  let v: any = value
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part)
    if (m === null || v === undefined || v === null) return undefined
    if (m[1] !== '') v = v[m[1]]
    for (const index of m[2].match(/\d+/g) ?? []) v = v?.[Number(index)]
  }
  return v
}

/** Role names the steps refer to as `${ROLE_ARN_NAME}`. */
function roleNamesIn (s: Scenario): string[] {
  return [...JSON.stringify(s.steps).matchAll(/\$\{ROLE_ARN_([A-Za-z0-9_+=,.@-]+)\}/g)].map(m => m[1])
}
