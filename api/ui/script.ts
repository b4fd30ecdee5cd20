/**
 * The dashboard's script (api/ui/page.ts): plain browser JavaScript, no framework. Written
 * without template literals, since it lives inside one.
 */
export const PAGE_SCRIPT = String.raw`
'use strict'
;(function () {
  const KINDS = ['clusters', 'instances', 'services', 'tasks', 'targetGroups', 'roles']
  const S = { decisions: [] }
  for (const k of KINDS) S[k] = new Map()
  const MAX_DECISIONS = 1000
  const SHOWN_DECISIONS = 300
  const ROW = 28
  const OVERSCAN = 12
  const dirty = new Set(KINDS.concat(['decisions']))
  let view = 'clusters'
  let scheduled = false
  let firstRender = false

  const $ = id => document.getElementById(id)

  /** h('td', { class: 'x', onclick: f, 'data-arn': a }, 'text', child, [more]) */
  function h (tag, props) {
    const el = document.createElement(tag)
    for (const key in props || {}) {
      const v = props[key]
      if (v === undefined || v === null || v === false) continue
      if (key.startsWith('on')) el.addEventListener(key.slice(2), v)
      else if (key === 'class') el.className = v
      else el.setAttribute(key, v === true ? '' : String(v))
    }
    append(el, Array.prototype.slice.call(arguments, 2))
    return el
  }
  function append (el, kids) {
    for (const k of kids) {
      if (k === undefined || k === null || k === false) continue
      if (Array.isArray(k)) append(el, k)
      else el.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)))
    }
  }

  const pad = n => (n < 10 ? '0' : '') + n
  function time (epochSeconds) {
    if (epochSeconds === undefined || epochSeconds === null) return ''
    const d = new Date(epochSeconds * 1000)
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds())
  }
  const short = arn => (arn || '').split('/').pop()
  const badge = s => s === undefined || s === null ? '' : h('span', { class: 'badge s-' + s }, s)
  const denied = d => d.decision !== 'Allow'
  const scopeKey = x => x.account + '/' + x.region + '/' + x.cluster

  // --- the feed ----------------------------------------------------------------------------

  function connect () {
    const es = new EventSource('/_emulator/ui/events')
    es.addEventListener('snapshot', e => {
      // Marks for bench/ui.mjs: the snapshot's arrival and the render that follows it.
      performance.clearMarks()
      performance.mark('ui:snapshot-received')
      firstRender = true
      applySnapshot(JSON.parse(e.data))
      setConn('live')
    })
    es.addEventListener('delta', e => applyDelta(JSON.parse(e.data)))
    es.addEventListener('error', () => setConn('down'))
    es.addEventListener('open', () => setConn('live'))
  }

  function setConn (state) {
    const el = $('conn')
    el.dataset.state = state
    el.textContent = state === 'live' ? 'live' : state === 'down' ? 'reconnecting' : 'connecting'
  }

  function applySnapshot (snap) {
    for (const k of KINDS) { S[k] = new Map(Object.entries(snap[k])); dirty.add(k) }
    S.decisions = snap.decisions
    dirty.add('decisions')
    document.body.dataset.seq = snap.seq
    schedule()
  }

  function applyDelta (delta) {
    for (const k in delta.put) {
      const map = S[k]
      for (const arn in delta.put[k]) map.set(arn, delta.put[k][arn])
      dirty.add(k)
    }
    for (const k in delta.remove) {
      for (const arn of delta.remove[k]) S[k].delete(arn)
      dirty.add(k)
    }
    if (delta.decisionsCleared) { S.decisions = []; dirty.add('decisions') }
    if (delta.decisions.length > 0) {
      S.decisions = S.decisions.concat(delta.decisions)
      if (S.decisions.length > MAX_DECISIONS) S.decisions = S.decisions.slice(-MAX_DECISIONS)
      dirty.add('decisions')
    }
    document.body.dataset.seq = delta.seq
    schedule()
  }

  function schedule () {
    if (scheduled) return
    scheduled = true
    const run = () => { scheduled = false; render() }
    if (document.hidden) setTimeout(run, 50)
    else requestAnimationFrame(run)
  }

  // --- rendering: counts always, the shown view when what it shows changed ------------------

  const NEEDS = {
    clusters: ['clusters', 'instances', 'services', 'tasks'],
    instances: ['instances'],
    services: ['services', 'tasks'],
    tasks: ['tasks'],
    targetGroups: ['targetGroups'],
    roles: ['roles'],
    decisions: ['decisions'],
    drill: []
  }
  const VIEWS = {}
  const drawn = {}

  function render () {
    for (const k of KINDS) document.querySelector('[data-count="' + k + '"]').textContent = S[k].size
    const denials = S.decisions.filter(denied).length
    document.querySelector('[data-count="denials"]').textContent = denials > 0 ? denials : ''
    const stale = !drawn[view] || NEEDS[view].some(k => dirty.has(k))
    if (stale) {
      VIEWS[view]()
      if (firstRender) { performance.mark('ui:rendered'); firstRender = false }
      drawn[view] = true
      for (const v in drawn) if (v !== view && NEEDS[v].some(k => dirty.has(k))) drawn[v] = false
      dirty.clear()
    }
  }

  function show (name) {
    view = VIEWS[name] === undefined ? 'clusters' : name
    for (const a of document.querySelectorAll('#tabs a')) {
      a.classList.toggle('active', a.dataset.view === view)
    }
    for (const s of document.querySelectorAll('.view')) {
      s.classList.toggle('active', s.id === 'view-' + view)
    }
    render()
  }

  // Small builders: a cell, a monospaced cell, a header row, a note in grey.
  const td = function () { return h.apply(null, ['td', null].concat(Array.from(arguments))) }
  const mono = text => h('td', { class: 'mono' }, text)
  const head = names => h('thead', null, h('tr', null, names.map(c => h('th', null, c))))
  const muted = text => h('span', { class: 'muted' }, text)
  const note = text => h('p', { class: 'muted' }, text)

  function table (el, names, rows, empty) {
    if (rows.length === 0) { el.replaceChildren(h('p', { class: 'empty' }, empty)); return }
    el.replaceChildren(h('table', null, head(names), h('tbody', null, rows)))
  }

  function cards (el, items, card, empty) {
    if (items.length === 0) { el.replaceChildren(h('p', { class: 'empty' }, empty)); return }
    el.replaceChildren.apply(el, items.map(card))
  }

  /** Task counts by cluster (ACCOUNT/REGION/NAME), and within it by group. */
  function tasksByScope () {
    const zero = () => ({ running: 0, pending: 0, stopped: 0 })
    const out = new Map()
    for (const t of S.tasks.values()) {
      const key = scopeKey(t)
      let c = out.get(key)
      if (c === undefined) { c = Object.assign(zero(), { groups: new Map() }); out.set(key, c) }
      const state = t.lastStatus === 'RUNNING' ? 'running'
        : t.lastStatus === 'STOPPED' ? 'stopped' : 'pending'
      c[state]++
      const g = c.groups.get(t.group) || zero()
      g[state]++
      c.groups.set(t.group, g)
    }
    return out
  }

  function countIn (map, key) {
    let n = 0
    for (const x of map.values()) if (scopeKey(x) === key) n++
    return n
  }

  VIEWS.clusters = function () {
    const tasks = tasksByScope()
    const rows = Array.from(S.clusters.values()).map(c => {
      const key = c.account + '/' + c.region + '/' + c.name
      const t = tasks.get(key) || { running: 0, pending: 0, stopped: 0 }
      return h('tr', { 'data-arn': c.arn }, td(h('b', null, c.name)), td(c.account), td(c.region),
        td(badge(c.status)), td(countIn(S.instances, key)), td(countIn(S.services, key)),
        td(t.running), td(t.pending), td(t.stopped))
    })
    table($('view-clusters'), ['cluster', 'account', 'region', 'status', 'instances', 'services',
      'running', 'pending', 'stopped'], rows, 'No clusters yet (CreateCluster makes one).')
  }

  VIEWS.instances = function () {
    const res = pair => pair[0] === undefined ? '' : pair[0] + ' / ' + pair[1]
    const rows = Array.from(S.instances.values()).map(i => h('tr', { 'data-arn': i.arn },
      mono(i.id), td(i.cluster), mono(i.ec2InstanceId || ''),
      td(badge(i.status), i.statusReason ? ' ' + i.statusReason : ''),
      td(i.agentConnected ? 'connected' : muted('disconnected')),
      td(i.running + ' / ' + i.pending), td(res(i.cpu)), td(res(i.memory)), td(i.agentVersion || '')))
    table($('view-instances'), ['container instance', 'cluster', 'EC2 instance', 'status', 'agent',
      'running / pending', 'CPU left / registered', 'memory left / registered', 'agent version'],
      rows, 'No container instances (start an agent: ecs-emulator agent).')
  }

  VIEWS.services = function () {
    const tasks = tasksByScope()
    cards($('view-services'), Array.from(S.services.values()), s => serviceCard(s, tasks),
      'No services yet.')
  }

  function serviceCard (s, tasks) {
    const scope = tasks.get(scopeKey(s)) || { groups: new Map() }
    const counts = scope.groups.get('service:' + s.name) || { running: 0, pending: 0 }
    const deployments = s.deployments.map(d => h('tr', null, mono(d.id), td(badge(d.status)),
      td(short(d.taskDefinition)), td('desired ' + d.desiredCount), td('failed ' + d.failedTasks),
      td(badge(d.rolloutState), ' ', muted(d.rolloutStateReason))))
    const events = s.events.map(e => h('tr', null, mono(time(e.createdAt)), td(e.message),
      td(e.decisionId ? explainLink(s.arn, 'why?') : '')))
    const about = [s.cluster, s.account, s.region, short(s.taskDefinition),
      'desired ' + s.desiredCount + ', running ' + counts.running + ', pending ' + counts.pending]
    if (s.roleArn) about.push('role ' + short(s.roleArn))
    const balancers = s.loadBalancers.map(l =>
      short(l.targetGroupArn) + ' → ' + l.containerName + ':' + l.containerPort)
    return h('div', { class: 'card', 'data-arn': s.arn },
      h('h3', null, s.name, ' ', badge(s.status), ' ', s.steady ? muted('steady') : ''),
      h('div', { class: 'muted' }, about.join(' · ')),
      balancers.length === 0 ? '' : h('div', { class: 'muted' }, 'load balancers: ' + balancers.join(', ')),
      h('h4', null, 'deployments'),
      h('table', null, h('tbody', null, deployments)),
      h('h4', null, 'events'),
      events.length === 0 ? note('none yet')
        : h('div', { class: 'events' }, h('table', null, h('tbody', null, events))))
  }

  VIEWS.targetGroups = function () {
    cards($('view-targetGroups'), Array.from(S.targetGroups.values()), targetGroupCard,
      'No target groups yet.')
  }

  function targetGroupCard (g) {
    const about = [g.protocol, g.port, g.targetType].filter(x => x !== undefined)
    about.push(g.loadBalancerArns.length + ' load balancer(s)')
    if (g.healthCheckPath) about.push('health check ' + g.healthCheckPath)
    const targets = g.targets.map(t => h('tr', null, mono(t.id + (t.port ? ':' + t.port : '')),
      td(badge(t.state)), h('td', { class: 'muted' }, (t.reason || '') + (t.description ? ': ' + t.description : ''))))
    return h('div', { class: 'card', 'data-arn': g.arn },
      h('h3', null, g.name), h('div', { class: 'muted' }, about.join(' · ')),
      targets.length === 0 ? note('no targets registered') : h('table', null, h('tbody', null, targets)))
  }

  VIEWS.roles = function () {
    const used = r => r.use.length > 0 ? 1 : 0
    const roles = Array.from(S.roles.values())
      .sort((a, b) => used(b) - used(a) || a.name.localeCompare(b.name))
    cards($('view-roles'), roles, roleCard, 'No roles.')
  }

  function roleCard (r) {
    const uses = r.use.slice(0, 50).map(u => h('tr', { class: u.denied > 0 ? 'denied' : '' },
      mono(u.action), td(u.allowed), td(u.denied), td(time(u.last))))
    return h('div', { class: 'card', 'data-arn': r.arn },
      h('h3', null, r.name), h('div', { class: 'muted mono' }, r.arn),
      uses.length === 0 ? note('not used in the decision log')
        : h('table', null, head(['used for', 'allowed', 'denied', 'last']), h('tbody', null, uses)))
  }

  // --- tasks: sorted, filtered, only the rows in view are in the document --------------------

  const list = $('task-list')
  const spacer = list.querySelector('.spacer')
  const rowsEl = list.querySelector('.rows')
  let ordered = []

  const taskText = t => (t.id + ' ' + t.cluster + ' ' + t.family + ':' + t.revision + ' ' +
    t.lastStatus + ' ' + t.desiredStatus + ' ' + t.group + ' ' + (t.stopCode || '')).toLowerCase()

  VIEWS.tasks = function () {
    const filter = $('task-filter').value.trim().toLowerCase()
    const all = Array.from(S.tasks.values())
    ordered = filter === '' ? all : all.filter(t => taskText(t).includes(filter))
    ordered.sort((a, b) => b.createdAt - a.createdAt || (a.arn < b.arn ? -1 : 1))
    spacer.style.height = (ordered.length * ROW) + 'px'
    $('task-shown').textContent = ordered.length === all.length ? all.length + ' tasks'
      : ordered.length + ' of ' + all.length + ' tasks'
    drawRows()
    list.dataset.total = all.length
    list.dataset.shown = ordered.length
  }

  function drawRows () {
    const height = list.clientHeight || 600
    const first = Math.max(0, Math.floor(list.scrollTop / ROW) - OVERSCAN)
    const last = Math.min(ordered.length, Math.ceil((list.scrollTop + height) / ROW) + OVERSCAN)
    rowsEl.style.transform = 'translateY(' + (first * ROW) + 'px)'
    const rows = []
    for (let i = first; i < last; i++) rows.push(taskRow(ordered[i]))
    rowsEl.replaceChildren.apply(rowsEl, rows)
  }

  function containerText (c) {
    return c.name + ' ' + c.lastStatus + (c.exitCode !== undefined ? ' (exit ' + c.exitCode + ')' : '') +
      (c.healthStatus && c.healthStatus !== 'UNKNOWN' ? ' ' + c.healthStatus : '')
  }

  function stopText (t) {
    if (t.lastStatus !== 'STOPPED' && !t.stopCode) return ''
    const text = (t.stopCode || '') + (t.stoppedReason ? ': ' + t.stoppedReason : '')
    return t.stoppedDecisionId ? [explainLink(t.arn, 'why?'), ' ', text] : text
  }

  function taskRow (t) {
    const span = function () { return h.apply(null, ['span', null].concat(Array.from(arguments))) }
    return h('div', {
      class: 'row', 'data-arn': t.arn, 'data-status': t.lastStatus, title: t.stoppedReason || t.arn,
      onclick: () => openTask(t.arn)
    },
    h('span', { class: 'mono' }, t.id), span(t.cluster), span(t.family + ':' + t.revision),
    span(badge(t.lastStatus), ' / ', t.desiredStatus), span(badge(t.healthStatus)),
    h('span', { class: 'mono' }, t.containers.map(containerText).join(', ')), span(stopText(t)))
  }

  let scrolling = false
  list.addEventListener('scroll', () => {
    if (scrolling) return
    scrolling = true
    requestAnimationFrame(() => { scrolling = false; drawRows() })
  })
  $('task-filter').addEventListener('input', () => { dirty.add('tasks'); schedule() })

  function openTask (arn) {
    const t = S.tasks.get(arn)
    if (t === undefined) return
    const field = (k, v) => v === undefined || v === null || v === '' ? null
      : h('tr', null, h('th', null, k), td(v))
    const containers = t.containers.map(c => h('tr', null,
      td(c.name, c.essential ? '' : muted(' (not essential)')), mono(c.image), td(badge(c.lastStatus)),
      td(c.exitCode === undefined ? '' : c.exitCode), td(badge(c.healthStatus)), td(c.reason || '')))
    panel('Task ' + t.id, 'task', [
      h('table', null, h('tbody', null,
        field('ARN', h('span', { class: 'mono' }, t.arn)), field('cluster', t.cluster),
        field('family', t.family + ':' + t.revision), field('group', t.group),
        field('started by', t.startedBy), field('launch type', t.launchType),
        field('status', [badge(t.lastStatus), ' (desired ', t.desiredStatus, ')']),
        field('health', badge(t.healthStatus)), field('container instance', short(t.containerInstanceArn)),
        field('task role', t.taskRoleArn), field('execution role', t.executionRoleArn),
        field('created', time(t.createdAt)), field('started', time(t.startedAt)),
        field('stopped', time(t.stoppedAt)), field('stop code', t.stopCode),
        field('stopped reason', t.stoppedReason))),
      t.stoppedDecisionId ? h('p', null, explainLink(t.arn, 'Explain why it stopped')) : null,
      h('h3', null, 'containers'),
      h('table', null, head(['name', 'image', 'status', 'exit code', 'health', 'reason']),
        h('tbody', null, containers))
    ])
  }

  // --- decisions -----------------------------------------------------------------------------

  VIEWS.decisions = function () {
    const only = $('denials-only').checked
    const filter = $('decision-filter').value.trim().toLowerCase()
    const picked = []
    for (let i = S.decisions.length - 1; i >= 0 && picked.length < SHOWN_DECISIONS; i--) {
      const d = S.decisions[i]
      if (only && !denied(d)) continue
      if (filter !== '' && !(d.principal + ' ' + d.action + ' ' + d.resource).toLowerCase().includes(filter)) continue
      picked.push(d)
    }
    $('decision-shown').textContent = 'newest ' + picked.length + ' of the ' + S.decisions.length + ' kept'
    $('decision-rows').replaceChildren.apply($('decision-rows'), picked.map(decisionRow))
  }

  function decisionRow (d) {
    const no = denied(d)
    const attributes = { class: no ? 'denied' : '', 'data-id': d.id, 'data-decision': d.decision, title: d.message || '' }
    return h('tr', attributes, mono(time(d.time)), td(badge(d.decision), d.enforced ? '' : muted(' (soft)')),
      mono(d.principal), mono(d.action), mono(d.resource), mono(d.onBehalfOf ? short(d.onBehalfOf) : ''),
      td(no ? explainLink(d.requestId, 'explain', d.onBehalfOf) : ''))
  }

  $('denials-only').addEventListener('change', () => { dirty.add('decisions'); schedule() })
  $('decision-filter').addEventListener('input', () => { dirty.add('decisions'); schedule() })

  // --- explain traces --------------------------------------------------------------------------

  /** A link to the trace of a subject (a request id or an ARN), or else of alt. */
  function explainLink (subject, text, alt) {
    return h('a', { class: 'explain', href: '/_emulator/explain?subject=' + encodeURIComponent(subject),
      onclick: e => { e.preventDefault(); e.stopPropagation(); openExplain(subject, alt) } }, text)
  }

  async function fetchExplain (subject) {
    const res = await fetch('/_emulator/explain?subject=' + encodeURIComponent(subject))
    return { ok: res.ok, body: await res.json() }
  }

  async function openExplain (subject, alt) {
    panel('Explain ' + subject, 'explain', [h('p', { class: 'muted' }, 'loading…')])
    let got = await fetchExplain(subject)
    if ((!got.ok || got.body.decision === undefined) && alt) {
      const other = await fetchExplain(alt)
      if (other.ok) got = other
    }
    if (!got.ok) { panelBody([h('p', null, got.body.message || 'nothing to explain')]); return }
    const x = got.body
    const item = (k, v) => v === undefined || v === null || v === '' ? null : [h('h3', null, k), v]
    const json = (cls, v) => v === undefined ? undefined : h('pre', { class: cls }, JSON.stringify(v, null, 2))
    const bullets = (v, each) => v === undefined || v.length === 0 ? undefined : h('ul', null, v.map(each))
    const asJson = '/_emulator/explain?subject=' + encodeURIComponent(x.subject)
    panelBody([
      h('p', { class: 'muted' }, h('a', { href: asJson, target: '_blank' }, 'as JSON')),
      item('what the user sees', x.symptom === undefined ? undefined : h('pre', { class: 'symptom' }, x.symptom)),
      item('chain', h('ol', { class: 'chain' }, x.chain.map(c => h('li', null, c)))),
      item('principal', x.principal === undefined ? undefined : h('code', { class: 'principal' }, x.principal)),
      item('role', x.role === undefined ? undefined : h('code', null, x.role)),
      item('policies evaluated', bullets(x.policies, p => h('li', null, h('code', null, p.arn), ' (' + p.kind + ')'))),
      item('why', h('p', { class: 'why' }, x.why)),
      item('evaluation', bullets(x.evaluation, e => h('li', null, e))),
      item('fix' + (x.fixIn ? ': ' + x.fixIn : ''), json('fix', x.fix)),
      item('decision', json('decision', x.decision))
    ])
  }

  function panel (title, kind, body) {
    const el = $('panel')
    el.hidden = false
    el.dataset.kind = kind
    $('panel-title').textContent = title
    panelBody(body)
  }
  function panelBody (body) { $('panel-body').replaceChildren(h('div', null, body)) }
  $('panel-close').addEventListener('click', () => { $('panel').hidden = true })
  document.addEventListener('keydown', e => { if (e.key === 'Escape') $('panel').hidden = true })

  // --- drill reports (ablation-*.json), opened or dropped ---------------------------------------

  VIEWS.drill = function () {}

  function outcomeText (c) {
    if (c.outcome === 'breaks') return 'breaks at “' + c.step + '”' + (c.inferred ? ' (inferred)' : '')
    return c.outcome === 'no-effect' ? 'nothing breaks' : 'not granted'
  }

  function loadReport (file) {
    file.text().then(text => {
      const r = JSON.parse(text)
      if (!Array.isArray(r.cells) || !Array.isArray(r.roles)) {
        throw new Error('not an ablation report (no cells and roles)')
      }
      renderReport(r)
    }).catch(e => {
      $('report').replaceChildren(h('p', { class: 'denied' }, 'Cannot open ' + file.name + ': ' + e.message))
    })
  }

  function renderReport (r) {
    const cell = c => h('button', {
      type: 'button', class: 'cell ' + c.outcome, title: c.symptom || outcomeText(c), onclick: () => openCell(c)
    }, c.action)
    const roles = Array.from(new Set(r.cells.map(c => c.role)))
    const grid = roles.map(role => h('tr', null, h('th', null, role),
      td(r.cells.filter(c => c.role === role).map(cell))))
    const stamp = 'ecs-emulator ' + r.version + ', time scale ' + r.timeScale + ', scenario ' + r.scenario +
      ' (sha256 ' + String(r.scenarioDigest || '').slice(0, 12) + '), ' + r.generatedAt
    const legend = [['breaks', 'breaks'], ['no-effect', 'nothing breaks'], ['not-granted', 'not granted']]
      .map(l => [h('span', { class: 'cell ' + l[0] }, l[1]), ' '])
    const policies = r.roles.map(u => [
      h('h3', null, u.role), h('pre', null, JSON.stringify(u.leastPrivilege, null, 2)),
      u.notNeeded.length === 0 ? null : note('granted, not needed: ' + u.notNeeded.join(', ')),
      u.notEmulated.length === 0 ? null : note('not emulated: ' + u.notEmulated.join(', '))])
    $('report').replaceChildren(
      h('h2', null, 'What breaks without each permission: ' + r.scenario),
      note(stamp),
      h('p', null, r.description),
      r.baselineFailure ? h('p', { class: 'denied' }, 'The scenario itself failed at ' +
        r.baselineFailure.step + ': the grid is incomplete.') : null,
      h('p', null, legend),
      h('table', { class: 'grid' }, h('tbody', null, grid)),
      h('h2', null, 'Least privilege for this scenario'),
      policies)
  }

  function openCell (c) {
    const after = c.showsAfterMs === undefined ? '' : ', after ' + (c.showsAfterMs / 1000).toFixed(1) + ' s'
    const block = (title, text) => text === undefined ? null : [h('h3', null, title), h('pre', null, text)]
    panel(c.role + ' without ' + c.action, 'cell', [
      h('p', null, outcomeText(c) + after),
      c.note ? note(c.note) : null,
      c.resources && c.resources.length > 0 ? h('p', { class: 'muted mono' }, c.resources.join(', ')) : null,
      block('what the user sees', c.symptom),
      block('cause', c.cause),
      block('trace', c.trace)
    ])
  }

  $('report-file').addEventListener('change', e => { if (e.target.files[0]) loadReport(e.target.files[0]) })
  document.addEventListener('dragover', e => { e.preventDefault(); $('drop').classList.add('over') })
  document.addEventListener('dragleave', () => $('drop').classList.remove('over'))
  document.addEventListener('drop', e => {
    e.preventDefault()
    $('drop').classList.remove('over')
    const file = e.dataTransfer && e.dataTransfer.files[0]
    if (file) { location.hash = '#drill'; loadReport(file) }
  })

  // --- start ---------------------------------------------------------------------------------

  window.addEventListener('hashchange', () => { $('panel').hidden = true; show(location.hash.slice(1)) })
  fetch('/_emulator/health').then(r => r.json()).then(x => {
    $('about').textContent = ['v' + x.version, 'account ' + x.accountId, x.region, 'IAM ' + x.iam,
      'auth ' + x.auth].join(' · ')
  }).catch(() => {})
  show(location.hash.slice(1))
  connect()
})()
`
