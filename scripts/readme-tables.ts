/**
 * The README's generated sections: the operations served (from the operation registry), and
 * the PassRole table (from src/iam/pass-role.ts). `npm run readme` writes them; a test fails
 * when the README is stale.
 */
import { coverage } from '../api/coverage.js'
import { PASS_ROLE } from '../src/iam/pass-role.js'

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function coverageSection (): string {
  const rows = coverage()
  const lines: string[] = []
  for (const service of [...new Set(rows.map(r => r.service))]) {
    const mine = rows.filter(r => r.service === service)
    const served = mine.filter(r => r.served)
    lines.push(`#### ${service}: ${served.length} of ${mine.length} operations served`, '')
    lines.push('| operation | notes |', '|---|---|')
    for (const r of served) lines.push(`| \`${r.operation}\` | ${cell(r.notes ?? '')} |`)
    lines.push('')
    const rest = mine.filter(r => !r.served).map(r => `\`${r.operation}\``)
    if (rest.length > 0) {
      lines.push(`Not emulated (answered with the protocol's unknown-operation error and a log line): ${rest.join(', ')}.`, '')
    }
  }
  return lines.join('\n')
}

export function passRoleSection (): string {
  const served = new Set(coverage().filter(r => r.served).map(r => `${r.service}:${r.operation}`))
  const lines = ['| operation | served yet | roles passed | `iam:PassedToService` | confirmed | source |',
    '|---|---|---|---|---|---|']
  for (const r of PASS_ROLE) {
    const here = served.has(`${r.service === 'elasticloadbalancing' ? 'elbv2' : r.service}:${r.operation}`) ? 'yes' : 'no'
    lines.push(`| ${r.service}:${r.operation} | ${here} | ${r.roles.map(x => `\`${x}\``).join(', ')} | ${r.passedToService ?? '—'} | ${r.confirmed ? 'yes' : '**unconfirmed**'} | ${cell(r.source)} |`)
  }
  return lines.join('\n') + '\n'
}

export function render (readme: string): string {
  return replace(replace(readme, 'coverage', coverageSection()), 'pass-role', passRoleSection())
}

function replace (text: string, name: string, body: string): string {
  const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`)
  if (!re.test(text)) throw new Error(`README has no <!-- ${name}:start --> ... <!-- ${name}:end --> section`)
  return text.replace(re, (_m, a: string, b: string) => `${a}${body}${b}`)
}
