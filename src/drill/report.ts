/**
 * What a drill prints and writes: one run as text (the steps, the first failure, its cause),
 * and the ablation matrix as a terminal table, Markdown, JSON and one self-contained HTML page,
 * each stamped with the version and the time scale that made it.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatExplanation } from './explain-command.js'
import type { DrillRun } from './runner.js'
import type { AblationReport, AblationCell } from './ablate.js'

export function formatRun (run: DrillRun): string {
  const lines = [
    `drill ${run.scenario}${run.mutation === undefined ? '' : ` --break ${run.mutation}`}` +
      ` (time scale ${run.timeScale}, iam ${run.iam}, ${(run.ms / 1000).toFixed(1)} s)`
  ]
  if (run.note !== undefined) lines.push(`  note: ${run.note}`)
  for (const s of run.steps) lines.push(`  ${s.ok ? '✓' : '✗'} ${s.name} (${(s.ms / 1000).toFixed(1)} s)`)
  if (run.failure === undefined) {
    lines.push('', 'every step succeeded')
    return lines.join('\n') + '\n'
  }
  const f = run.failure
  lines.push('', `first failure: ${f.step}`, '', 'what the user sees', indent(f.symptom))
  const e = run.expected
  if (e !== undefined) {
    lines.push(e.inferred
      ? `  (inferred: the behaviour reference${e.reference === undefined ? '' : ` § ${e.reference}`} marks AWS's text for this unconfirmed; this is the emulator's)`
      : `  (AWS's text, as the behaviour reference${e.reference === undefined ? '' : ` § ${e.reference}`} gives it)`)
  }
  if (f.cause === undefined) {
    lines.push('', 'cause', '  no denied decision was found for it')
  } else {
    lines.push('', 'cause', indent(formatExplanation(f.cause).trimEnd()))
  }
  return lines.join('\n') + '\n'
}

const indent = (text: string): string => text.split('\n').map(l => `  ${l}`).join('\n')

// --- the ablation matrix --------------------------------------------------------------------

const seconds = (ms: number | undefined): string => ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`

const oneLine = (text: string | undefined, max = 160): string => {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

export function stamp (r: AblationReport): string {
  return `ecs-emulator ${r.version}, time scale ${r.timeScale}, scenario ${r.scenario} (sha256 ${r.scenarioDigest.slice(0, 12)}), ${r.generatedAt}`
}

function outcomeText (c: AblationCell): string {
  if (c.outcome === 'breaks') return `breaks at “${c.step!}”${c.inferred === true ? ' (inferred)' : ''}`
  return c.outcome === 'no-effect' ? 'nothing breaks' : 'not granted by its policies'
}

export function formatTable (r: AblationReport): string {
  const rows = r.cells.map(c => [c.role, c.action, outcomeText(c), seconds(c.showsAfterMs), oneLine(c.symptom, 90)])
  const head = ['role', 'action', 'without it', 'shows after', 'symptom']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(row => row[i].length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()
  const out = [`ablation of ${r.scenario}: ${stamp(r)}`, '', line(head), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)]
  for (const u of r.roles) {
    out.push('', `${u.role}`)
    if (u.notNeeded.length > 0) out.push(`  granted, not needed here: ${u.notNeeded.join(', ')}`)
    if (u.notEmulated.length > 0) out.push(`  granted, not emulated: ${u.notEmulated.join(', ')}`)
    out.push('  least privilege for this scenario:', indent(indent(JSON.stringify(u.leastPrivilege, null, 2))))
  }
  return out.join('\n') + '\n'
}

const md = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, '<br>')

export function formatMarkdown (r: AblationReport): string {
  const out = [
    `# What breaks without each permission: ${r.scenario}`,
    '',
    `Made by \`ecs-emulator drill ${r.scenario} --ablate\`: ${stamp(r)}. Times are under that time scale.`,
    '',
    r.description,
    '',
    'Each row removes one action from one role (a customer managed copy of its policy without the',
    'action), runs the scenario again on a fresh emulator, and records the first step that fails.',
    '"(inferred)": the scenario ships this break, and the behaviour reference marks AWS\'s text for',
    'it unconfirmed, so what the user sees is the emulator\'s inference.',
    ...(r.baselineFailure === undefined ? [] : ['', `**The baseline itself failed** at “${r.baselineFailure.step}”: ${r.baselineFailure.symptom}`]),
    '',
    '| role | action | without it | shows after | what the user sees | cause |',
    '|---|---|---|---|---|---|',
    ...r.cells.map(c => `| ${c.role} | \`${c.action}\` | ${outcomeText(c)}${c.note === undefined ? '' : ` (${c.note})`} | ${seconds(c.showsAfterMs)} | ${md(oneLine(c.symptom, 400))} | ${md(c.cause ?? '')} |`)
  ]
  for (const u of r.roles) {
    out.push('', `## ${u.role}`, '')
    if (u.managed.length > 0) out.push(`Starts with: ${u.managed.map(m => `\`${m}\``).join(', ')}.`, '')
    if (u.notNeeded.length > 0) out.push(`Granted but not needed here: ${u.notNeeded.map(a => `\`${a}\``).join(', ')}.`, '')
    if (u.notEmulated.length > 0) out.push(`Granted, not emulated (so not tested): ${u.notEmulated.map(a => `\`${a}\``).join(', ')}.`, '')
    out.push('Least privilege for this scenario, from what it used:', '', '```json', JSON.stringify(u.leastPrivilege, null, 2), '```')
  }
  return out.join('\n') + '\n'
}

const html = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

export function formatHtml (r: AblationReport): string {
  const roles = [...new Set(r.cells.map(c => c.role))]
  const grid = roles.map(role => {
    const cells = r.cells.filter(c => c.role === role).map(c => {
      const id = `c-${r.cells.indexOf(c)}`
      return `<a class="cell ${c.outcome}" href="#${id}" title="${html(oneLine(c.symptom, 300))}">${html(c.action)}</a>`
    }).join('')
    return `<tr><th>${html(role)}</th><td>${cells}</td></tr>`
  }).join('\n')
  const traces = r.cells.map((c, i) => `<section id="c-${i}"><h3>${html(c.role)} without <code>${html(c.action)}</code></h3>
<p>${html(outcomeText(c))}${c.showsAfterMs === undefined ? '' : `, after ${seconds(c.showsAfterMs)}`}</p>
${c.symptom === undefined ? '' : `<h4>What the user sees</h4><pre>${html(c.symptom)}</pre>`}
${c.trace === undefined ? '' : `<h4>Cause</h4><pre>${html(c.trace)}</pre>`}</section>`).join('\n')
  const policies = r.roles.map(u => `<h3>${html(u.role)}</h3><pre>${html(JSON.stringify(u.leastPrivilege, null, 2))}</pre>`).join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ablation: ${html(r.scenario)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #222 }
table { border-collapse: collapse } th { text-align: left; padding: .3rem .8rem .3rem 0; vertical-align: top }
.cell { display: inline-block; margin: 2px; padding: 2px 6px; border-radius: 3px; font: 12px monospace; text-decoration: none; color: #111 }
.breaks { background: #f4b6b6 } .no-effect { background: #c8e6c9 } .not-granted { background: #ddd }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; white-space: pre-wrap } section { border-top: 1px solid #ddd; margin-top: 1rem }
</style></head><body>
<h1>What breaks without each permission: ${html(r.scenario)}</h1>
<p>${html(stamp(r))}</p><p>${html(r.description)}</p>
<p><span class="cell breaks">breaks</span> <span class="cell no-effect">nothing breaks</span> <span class="cell not-granted">not granted</span></p>
<table>${grid}</table>
<h2>Least privilege for this scenario</h2>${policies}
<h2>Each run</h2>${traces}
</body></html>
`
}

/** Writes ablation-SCENARIO.{md,json,html} into `dir`; returns their paths. */
export function writeReports (dir: string, r: AblationReport): string[] {
  mkdirSync(dir, { recursive: true })
  const base = join(dir, `ablation-${r.scenario}`)
  const files: [string, string][] = [
    [`${base}.md`, formatMarkdown(r)],
    [`${base}.json`, JSON.stringify({ ...r, text: undefined }, null, 2) + '\n'],
    [`${base}.html`, formatHtml(r)]
  ]
  for (const [file, text] of files) writeFileSync(file, text)
  return files.map(([file]) => file)
}
