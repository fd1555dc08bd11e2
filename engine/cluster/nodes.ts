// The nodes file in CTDB's format (§1.1): one address per line, PNN = index among non-blank
// lines, a `#` line is a DELETED node that keeps its PNN. No port: every node uses one port.
import { CorralError } from '../errors/index.js'
import { DEFAULT_NODE_PORT } from '../config/defaults.js'
import { canonicalAddress } from './address.js'
import { NODE_FLAGS_DELETED, NODE_FLAGS_DISCONNECTED } from './flags.js'

/** Address CTDB gives a deleted node. */
export const DELETED_ADDRESS = '0.0.0.0'

/** A node as the nodemap knows it. */
export interface NodeInfo {
  pnn: number
  /** Canonical address text; `0.0.0.0` for a deleted node. */
  address: string
  flags: number
}

/** A node read from the nodes file: flags are 0 or DELETED; `line` is 1-based. */
export interface NodeEntry extends NodeInfo {
  line: number
}

// Why: one parser for the daemon, `reloadnodes` and `listnodes`, with errors naming file:line.
// With `problems`, every bad line is collected there (and skipped) instead of thrown.
export function parseNodes (text: string, file = 'nodes', problems?: CorralError[]): NodeEntry[] {
  const nodes: NodeEntry[] = []
  const seen = new Map<string, NodeEntry>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/^[ \t]+|[ \t\r]+$/g, '')
    if (line === '') continue
    const pnn = nodes.length
    if (line.startsWith('#')) {
      nodes.push({ pnn, address: DELETED_ADDRESS, flags: NODE_FLAGS_DELETED, line: i + 1 })
      continue
    }
    const place = { file, line: i + 1 }
    const fail = (message: string): void => {
      const err = new CorralError('CORRAL_E_NODES_FILE', message, { place })
      if (problems === undefined) throw err
      problems.push(err)
      // The line still takes its PNN, so later lines keep the numbers the admin counts.
      nodes.push({ pnn, address: DELETED_ADDRESS, flags: NODE_FLAGS_DELETED, line: i + 1 })
    }
    const address = canonicalAddress(line)
    if (address === undefined) { fail(badAddress(line)); continue }
    if (address === '0.0.0.0' || address === '::') { fail(`Invalid node address ${line}: the unspecified address cannot name a node`); continue }
    const dup = seen.get(address)
    if (dup !== undefined) { fail(`Duplicate node address ${line}: already node ${dup.pnn} (line ${dup.line})`); continue }
    const entry = { pnn, address, flags: 0, line: i + 1 }
    seen.set(address, entry)
    nodes.push(entry)
  }
  return nodes
}

// Explain the likely mistake: a port, a trailing comment, a host name.
function badAddress (line: string): string {
  const base = `Invalid node address ${line}`
  if (/^\[.*\]:\d+$/.test(line) || /^[\d.]+:\d+$/.test(line)) {
    return `${base}: the nodes file takes no port (every node listens on port ${DEFAULT_NODE_PORT}; one address per node)`
  }
  if (/\s/.test(line)) return `${base}: one address per line, nothing after it (comment a whole line out with #)`
  return `${base}: expected an IPv4 or IPv6 address`
}

// Why: PNN -> address lookups, and the check that this node's own address is in the file.
export function findNodeByAddress (nodes: readonly NodeInfo[], address: string): NodeInfo | undefined {
  const a = canonicalAddress(address)
  return a === undefined ? undefined : nodes.find(n => (n.flags & NODE_FLAGS_DELETED) === 0 && n.address === a)
}

// Why: `corral listnodes` prints the non-deleted nodes only, as `ctdb listnodes` does.
export function listNodesText (nodes: readonly NodeInfo[], machine = false): string {
  const live = nodes.filter(n => (n.flags & NODE_FLAGS_DELETED) === 0)
  return live.map(n => machine ? `|${n.pnn}|${n.address}|` : n.address).join('\n') + (live.length > 0 ? '\n' : '')
}

/** One line of the `reloadnodes` check, in CTDB's words and order. */
export interface DiffMessage {
  level: 'info' | 'warning' | 'error'
  text: string
}

export interface NodesDiff {
  /** False when the edit must not be applied (the messages say why). */
  ok: boolean
  /** True when the file differs from the running nodemap and a reload is needed. */
  reload: boolean
  messages: DiffMessage[]
  /** PNNs appended to the file. */
  added: number[]
  /** PNNs newly commented out: each must be disconnected on every node before the reload. */
  deleted: number[]
  /** PNNs whose line was commented back in. */
  undeleted: number[]
}

// Why: `reloadnodes` must refuse an edit that would renumber or readdress a live node (check_node_file_changes).
export function diffNodes (current: readonly NodeInfo[], next: readonly NodeInfo[]): NodesDiff {
  const messages: DiffMessage[] = []
  const added: number[] = []
  const deleted: number[] = []
  const undeleted: number[] = []
  let failed = false
  const error = (text: string): void => { messages.push({ level: 'error', text }); failed = true }
  for (let i = 0; i < current.length; i++) {
    const was = current[i]
    const now = next[i]
    if (now === undefined) {
      error(`Node ${was.pnn} (${was.address}) missing from nodes file`)
      continue
    }
    const wasDeleted = (was.flags & NODE_FLAGS_DELETED) !== 0
    const nowDeleted = (now.flags & NODE_FLAGS_DELETED) !== 0
    if (wasDeleted && nowDeleted) continue
    if (!wasDeleted && !nowDeleted) {
      if (was.address !== now.address) {
        error(`Node ${was.pnn} has changed IP address (was ${was.address}, now ${now.address})`)
      } else if ((was.flags & NODE_FLAGS_DISCONNECTED) !== 0) {
        messages.push({ level: 'warning', text: `WARNING: Node ${was.pnn} is disconnected. You MUST fix this node manually!` })
      }
      continue
    }
    if (nowDeleted) {
      messages.push({ level: 'info', text: `Node ${was.pnn} is DELETED` })
      deleted.push(was.pnn)
      if ((was.flags & NODE_FLAGS_DISCONNECTED) === 0) error(`ERROR: Node ${was.pnn} is still connected`)
      continue
    }
    messages.push({ level: 'info', text: `Node ${was.pnn} is UNDELETED` })
    undeleted.push(was.pnn)
  }
  if (failed) {
    messages.push({ level: 'error', text: 'ERROR: Nodes will not be reloaded due to previous error' })
    return { ok: false, reload: false, messages, added, deleted, undeleted }
  }
  for (let i = current.length; i < next.length; i++) {
    messages.push({ level: 'info', text: `Node ${next[i].pnn} is NEW` })
    added.push(next[i].pnn)
  }
  const reload = added.length + deleted.length + undeleted.length > 0
  if (!reload) messages.push({ level: 'warning', text: 'No change in nodes file, skipping unnecessary reload' })
  return { ok: true, reload, messages, added, deleted, undeleted }
}
