// `corral config validate`: read corral.conf, the nodes file, the public addresses file, the
// tunables file and every script options file, and collect every problem with file and line
// (the daemon stops at the first; an admin fixing files wants them all at once).
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import * as D from '../config/defaults.js'
import { parseConfigText, parseIni, type CorralConfig } from '../config/index.js'
import { CorralError, type ErrorCode } from '../errors/index.js'
import { parseNodes, type NodeEntry } from '../cluster/nodes.js'
import { NODE_FLAGS_DELETED } from '../cluster/flags.js'
import { defaultTunables, parseTunables, type Tunables } from '../cluster/tunables.js'
import { parseLockConfig } from '../cluster/lock/config.js'
import { readClusterKey } from '../cluster/node/auth.js'
import { parsePublicAddresses, type PublicAddress } from '../ip/public-addresses.js'
import { parseScriptOptions } from '../events/options.js'
import { canonicalIp } from '../ip/kernel.js'

/** One problem: its stable code, where it is, and the message (already prefixed with file:line). */
export interface Problem { code: ErrorCode, file: string | null, line: number | null, field: string | null, message: string }

/** What one node's files say, and everything wrong with them. */
export interface NodeFiles {
  config: CorralConfig
  /** Every file read (those that exist). */
  checked: string[]
  nodes: NodeEntry[]
  addresses: PublicAddress[]
  tunables: Tunables
  /** The cluster key, when readable (for the cluster-wide fingerprint). */
  key: Buffer | null
  problems: Problem[]
}

const toProblem = (e: CorralError): Problem => ({ code: e.code, file: e.place?.file ?? null, line: e.place?.line ?? null, field: e.place?.field ?? null, message: e.message })

function readText (file: string, missingOk: boolean, code: ErrorCode, what: string, errors: CorralError[]): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    if (missingOk && (err as NodeJS.ErrnoException).code === 'ENOENT') return null
    errors.push(new CorralError(code, `cannot read ${what}: ${(err as Error).message}`, { place: { file } }))
    return null
  }
}

// Why: one pass over every file a node reads at start, so `validate` and `--cluster` agree with the daemon.
export function checkNodeFiles (opts: { configDir?: string, file?: string } = {}): NodeFiles {
  const errors: CorralError[] = []
  const checked: string[] = []
  const configDir = resolve(opts.configDir ?? process.env.CORRAL_CONFIG_DIR ?? D.DEFAULT_CONFIG_DIR)
  const file = opts.file !== undefined ? resolve(opts.file) : join(configDir, D.CONFIG_FILE_NAME)
  const text = readText(file, opts.file === undefined, 'CORRAL_E_CONFIG_READ', 'the config file', errors)
  if (text !== null) checked.push(file)
  const config = text === null ? parseConfigText('', '(defaults)', configDir, {}) : parseConfigText(text, file, configDir, {}, errors)
  // Lines of keys, for problems found after load (a missing script, a bad lock value).
  const lines = new Map((text === null ? [] : parseIni(text, file, [])).map(e => [`[${e.section}] ${e.key}`, e.line]))
  const at = (field: string): { file: string, line?: number, field: string } => ({ file: text === null ? '(defaults)' : file, line: lines.get(field), field })

  let nodes: NodeEntry[] = []
  if (!config.cluster.eventsOnly) {
    const nodesText = readText(config.cluster.nodesFile, false, 'CORRAL_E_NODES_FILE', 'the nodes file', errors)
    if (nodesText !== null) {
      checked.push(config.cluster.nodesFile)
      nodes = parseNodes(nodesText, config.cluster.nodesFile, errors)
      const want = config.cluster.nodeAddress
      if (want !== null && !nodes.some(n => (n.flags & NODE_FLAGS_DELETED) === 0 && n.address === canonicalIp(want))) {
        errors.push(new CorralError('CORRAL_E_CONFIG_VALUE', `${want} is not an address of the nodes file ${config.cluster.nodesFile}`, { place: at('[cluster] node address') }))
      }
    }
  }
  let key: Buffer | null = null
  if (!config.cluster.eventsOnly) {
    try { key = readClusterKey(config.cluster.keyFile) } catch (err) { errors.push(err as CorralError) }
  }
  if (config.cluster.lock !== null) {
    // Only the value's syntax: where the built-in helpers live depends on how corral runs, not on the file.
    try { parseLockConfig(config.cluster.lock) } catch (err) { if (err instanceof CorralError) errors.push(new CorralError(err.code, err.message.replace(/^cluster lock: /, ''), { place: at('[cluster] cluster lock') })) }
  }
  let addresses: PublicAddress[] = []
  const pa = readText(config.failover.publicAddresses, true, 'CORRAL_E_ADDRESSES_FILE', 'the public addresses file', errors)
  if (pa !== null) {
    checked.push(config.failover.publicAddresses)
    addresses = parsePublicAddresses(pa, config.failover.publicAddresses, errors)
  }
  let tunables = defaultTunables()
  const tunablesFile = join(configDir, D.TUNABLES_FILE_NAME)
  const tt = readText(tunablesFile, true, 'CORRAL_E_CONFIG_READ', 'the tunables file', errors)
  if (tt !== null) {
    checked.push(tunablesFile)
    tunables = parseTunables(tt, tunablesFile, defaultTunables(), errors)
  }
  for (const [field, path] of [['[event] debug script', config.event.debugScript], ['[event] notification script', config.event.notificationScript], ['[failover] status callback', config.failover.statusCallback]] as const) {
    if (path === null) continue
    try {
      accessSync(path, constants.X_OK)
    } catch (err) {
      errors.push(new CorralError('CORRAL_E_CONFIG_VALUE', `${path} is missing or not executable (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { place: at(field) }))
    }
  }
  for (const f of optionsFiles(configDir, config.paths.eventsDir)) {
    const o = readText(f, true, 'CORRAL_E_SCRIPT_OPTIONS', 'the options file', errors)
    if (o === null) continue
    checked.push(f)
    parseScriptOptions(o, f, errors)
  }
  return { config, checked, nodes, addresses, tunables, key, problems: errors.map(toProblem) }
}

// script.options in the config dir, then every <component>/<NN.name>.options in the events dir.
function optionsFiles (configDir: string, eventsDir: string): string[] {
  const out = [join(configDir, 'script.options')]
  let components: string[] = []
  try { components = readdirSync(eventsDir).sort() } catch { return out }
  for (const c of components) {
    const dir = join(eventsDir, c)
    try {
      if (!statSync(dir).isDirectory()) continue
      for (const f of readdirSync(dir).sort()) if (f.endsWith('.options')) out.push(join(dir, f))
    } catch { continue }
  }
  return out.filter(f => f === out[0] ? existsSync(f) : true)
}
