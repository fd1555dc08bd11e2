// `corral config validate [--cluster]`: every problem in this node's files with file and line; with
// --cluster, each live node's digest and what drifts between them.
import { StatusRequestSchema } from '../../protocol/gen/corral/v1/cluster_pb.js'
import { ConfigDigestRequestSchema } from '../../protocol/gen/corral/v1/stats_pb.js'
import { ERRORS } from '../errors/index.js'
import { checkNodeFiles, compareDigests, type ConfigDigest, type Drift } from '../validate/index.js'
import type { GlobalOptions } from './context.js'
import { printJson, printText } from './output.js'
import { ask, withDaemon } from './request.js'

interface NodeAnswer { pnn: number, reachable: boolean, error: string | null, problems: string[] }

const pnnList = (p: number[]): string => `node${p.length > 1 ? 's' : ''} ${p.join(',')}`

function driftText (d: Drift): string {
  const name = d.name === '' ? d.what : `${d.what} ${d.name}`
  if (d.what === 'public addresses') {
    // Lists are long: say what each minority node has more or less than the most common list.
    const base = new Set(d.values[0].value.split('; '))
    const diffs = d.values.slice(1).map(v => {
      const mine = new Set(v.value.split('; '))
      const more = [...mine].filter(x => !base.has(x)).map(x => `+${x}`)
      const less = [...base].filter(x => !mine.has(x)).map(x => `-${x}`)
      return `${pnnList(v.pnns)}: ${[...more, ...less].join(', ')}`
    })
    return `note: ${name} differ from ${pnnList(d.values[0].pnns)}'s (allowed, but check it is meant): ${diffs.join('; ')}`
  }
  const values = d.values.map(v => `${v.value === '' ? "''" : v.value.length > 60 ? `${v.value.slice(0, 57)}...` : v.value} on ${pnnList(v.pnns)}`).join('; ')
  return `${d.mustMatch ? 'DRIFT' : 'note'}: ${name} differs: ${values}`
}

// Why: ask every connected node (through the local daemon, -n) for its digest; a silent node is reported, not fatal.
async function clusterDigests (g: GlobalOptions): Promise<{ answers: NodeAnswer[], digests: ConfigDigest[] }> {
  return await withDaemon(g, async c => {
    const s = await c.request(StatusRequestSchema, {})
    const answers: NodeAnswer[] = []
    const digests: ConfigDigest[] = []
    for (const n of s.nodes) {
      if ((n.flags & 0x10) !== 0) continue
      if ((n.flags & 0x01) !== 0) { answers.push({ pnn: n.pnn, reachable: false, error: 'not connected', problems: [] }); continue }
      try {
        const r = await ask(c, { ...g, node: n.pnn === s.thisPnn ? undefined : n.pnn }, ConfigDigestRequestSchema, {})
        digests.push({ ...r, tunables: { ...r.tunables }, settings: { ...r.settings } })
        answers.push({ pnn: n.pnn, reachable: true, error: null, problems: [...r.problems] })
      } catch (err) {
        answers.push({ pnn: n.pnn, reachable: false, error: (err as Error).message, problems: [] })
      }
    }
    return { answers, digests }
  })
}

// Why: exit status 78 when anything is wrong, so an admin's script can gate a restart on it.
export async function configValidate (g: GlobalOptions, opts: { cluster?: boolean }): Promise<number> {
  const local = checkNodeFiles({ configDir: g.configDir })
  const cluster = opts.cluster === true ? await clusterDigests(g) : null
  const drift = cluster === null ? [] : compareDigests(cluster.digests)
  const bad = local.problems.length > 0 || drift.some(d => d.mustMatch) || (cluster?.answers.some(a => a.problems.length > 0) ?? false)
  const exit = bad ? ERRORS.CORRAL_E_CONFIG_VALUE.exit : 0
  if (g.json === true) {
    printJson({
      ok: !bad,
      checked: local.checked,
      problems: local.problems,
      ...(cluster === null ? {} : { cluster: { nodes: cluster.answers, drift } }),
    })
    return exit
  }
  const out: string[] = local.problems.map(p => p.message)
  out.push(local.problems.length === 0
    ? `OK: ${local.checked.length} file(s) checked: ${local.checked.join(', ')}`
    : `${local.problems.length} problem(s) in ${new Set(local.problems.map(p => p.file)).size} file(s) (${local.checked.length} checked)`)
  if (cluster !== null) {
    for (const a of cluster.answers) {
      if (!a.reachable) out.push(`node ${a.pnn}: not checked (${a.error ?? 'unreachable'})`)
      else if (a.problems.length > 0) out.push(`node ${a.pnn}: ${a.problems.length} problem(s) in its files:`, ...a.problems.map(p => `  ${p}`))
    }
    out.push(...drift.map(driftText))
    const asked = cluster.answers.filter(a => a.reachable).map(a => a.pnn)
    if (!drift.some(d => d.mustMatch)) out.push(`no drift between ${pnnList(asked)}`)
  }
  printText(out.join('\n'))
  return exit
}
