// Comparing digests of live nodes: every difference is one drift item naming what differs and
// which node holds which value. Public addresses may differ by design (CTDB lets each node list
// its own), so they are reported but do not fail the check.
import type { ConfigDigest } from './digest.js'

export interface Drift {
  /** 'setting', 'nodes', 'tunable', 'cluster key' or 'public addresses'. */
  what: string
  /** The setting or tunable name ('' for whole files). */
  name: string
  /** True when the difference breaks the cluster (exit status 78). */
  mustMatch: boolean
  /** Each distinct value and the nodes holding it, most common first. */
  values: Array<{ value: string, pnns: number[] }>
}

function group (items: Array<{ pnn: number, value: string }>): Drift['values'] {
  const m = new Map<string, number[]>()
  for (const i of items) m.set(i.value, [...(m.get(i.value) ?? []), i.pnn])
  return [...m].map(([value, pnns]) => ({ value, pnns })).sort((a, b) => b.pnns.length - a.pnns.length || a.pnns[0] - b.pnns[0])
}

// Why: `config validate --cluster` reports every difference at once, grouped by value.
export function compareDigests (digests: readonly ConfigDigest[]): Drift[] {
  const out: Drift[] = []
  const check = (what: string, name: string, mustMatch: boolean, read: (d: ConfigDigest) => string): void => {
    const values = group(digests.map(d => ({ pnn: d.pnn, value: read(d) })))
    if (values.length > 1) out.push({ what, name, mustMatch, values })
  }
  const settings = [...new Set(digests.flatMap(d => Object.keys(d.settings)))].sort()
  for (const s of settings) check('setting', s, true, d => d.settings[s] ?? '(unset)')
  check('nodes', '', true, d => d.nodes.join(' '))
  const tunables = [...new Set(digests.flatMap(d => Object.keys(d.tunables)))].sort()
  for (const t of tunables) check('tunable', t, true, d => String(d.tunables[t] ?? '(unset)'))
  check('cluster key', '', true, d => d.keyFingerprint === '' ? '(unreadable)' : d.keyFingerprint)
  check('public addresses', '', false, d => d.publicAddresses.join('; '))
  return out
}
