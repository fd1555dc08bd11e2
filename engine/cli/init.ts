// `corral init`: a starter config directory for a new node: corral.conf with every key an admin
// needs commented out at its default, the nodes file, an empty public_addresses, a new cluster key
// and events.d/legacy. It never overwrites a file unless told to (--force).
import { randomBytes } from 'node:crypto'
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import * as D from '../config/defaults.js'
import { packageRoot } from '../config/package-root.js'
import { parseNodes } from '../cluster/nodes.js'
import { CorralError } from '../errors/index.js'
import type { GlobalOptions } from './context.js'
import { printJson, printText } from './output.js'

/** Length of the cluster key `corral init` writes. @default 32 bytes */
export const INIT_KEY_BYTES = 32

/** Examples shown in the starter config: documentation addresses (RFC 5737), never real ones. */
const EXAMPLE_NODES = ['192.0.2.11', '192.0.2.12', '192.0.2.13']

export interface InitOptions {
  configDir: string
  /** Addresses for the nodes file; empty: the file is written empty. */
  nodes: string[]
  /** Overwrite existing files. */
  force: boolean
}

export interface InitFile {
  /** Name inside the config dir. */
  name: string
  path: string
  /** Permission bits as written (before the umask), e.g. `0600`. */
  mode: string
  /** The file existed and was replaced (--force). */
  overwritten: boolean
}

export interface InitResult {
  configDir: string
  files: InitFile[]
  /** Directories created or already present. */
  dirs: string[]
  nodes: string[]
}

// Why: one place turns `--nodes a,b,c` into addresses, with the nodes file's own rules and messages.
export function parseNodesOption (value: string | undefined): string[] {
  if (value === undefined) return []
  const list = value.split(',').map(s => s.trim())
  if (list.some(s => s === '')) throw new CorralError('CORRAL_E_USAGE', `--nodes: an empty address in '${value}' (expected ADDR,ADDR,...)`)
  // A `#` line would be a deleted node in the nodes file: never write one from the command line.
  const hashed = list.find(s => s.startsWith('#'))
  if (hashed !== undefined) throw new CorralError('CORRAL_E_USAGE', `--nodes: '${hashed}' is not an address`)
  try {
    parseNodes(list.join('\n'), '--nodes')
  } catch (err) {
    throw new CorralError('CORRAL_E_USAGE', (err as Error).message, { cause: err })
  }
  return list
}

// Why: the starter corral.conf is text an admin edits; the defaults shown come from defaults.ts,
// so they cannot drift from what the daemon uses (test/cli/init.test.ts checks them against the schema).
export function starterConfig (opts: { configDir: string, version: string }): string {
  const nodesExample = EXAMPLE_NODES.map(a => `${a}:2379`).join(',')
  return [
    `# corral.conf, written by corral init (corral ${opts.version}).`,
    '# Every key is shown commented out with its default; uncomment a line to change it.',
    '# docs/config.md describes every key. Relative file names are under this directory.',
    '# An unknown section or key stops corrald at start (a typo must not fall back to a default).',
    '',
    '[paths]',
    `# state dir = ${D.DEFAULT_STATE_DIR}`,
    `# run dir = ${D.DEFAULT_RUN_DIR}`,
    '# Event scripts and plugins, one subdirectory per component (legacy: the node\'s own events).',
    `# events dir = ${join(opts.configDir, D.EVENTS_DIR_NAME)}`,
    '',
    '[cluster]',
    '# The nodes file: one address per line, the same file on every node.',
    '# Every line starting with # in it is a deleted node, so keep comments out of that file.',
    `# nodes list = ${D.NODES_FILE_NAME}`,
    '# This node\'s address in the nodes file. Default: the first one this host can bind.',
    `# node address = ${EXAMPLE_NODES[0]}`,
    '# TCP port of the links between the nodes: open it between them in the firewall.',
    `# port = ${D.DEFAULT_NODE_PORT}`,
    '# The shared secret: the same file (mode 0600) on every node.',
    `# cluster key = ${D.CLUSTER_KEY_FILE_NAME}`,
    '# The cluster lock elects the leader; without one, split brain is possible.',
    '# The same lock on every node, one of (docs/cluster-lock.md):',
    '#  - a file on a cluster filesystem whose flock(2) locks are coherent on every node',
    '# cluster lock = /clusterfs/.corral/lock',
    '#  - a key in etcd (etcds:// for TLS)',
    `# cluster lock = etcd://${nodesExample}/corral/lock`,
    '#  - any CTDB cluster mutex helper',
    '# cluster lock = !/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /clusterfs/.ctdb/lock',
    '# start as stopped = false',
    '# start as disabled = false',
    '',
    '[failover]',
    '# No address moves at all.',
    '# disabled = false',
    '# The addresses this node can host (CTDB format). Enable the interface plugin to have them',
    '# added to and removed from the interfaces: corral event script enable legacy 10.interface',
    `# public addresses = ${D.PUBLIC_ADDRESSES_FILE_NAME}`,
    '# interfaces = kernel',
    '# A program the leader runs before each takeover run (docs/ip.md).',
    '# status callback = status-callback.sh',
    `# status callback timeout = ${D.STATUS_CALLBACK_TIMEOUT_S}`,
    `# check interval = ${D.IP_CHECK_INTERVAL_S}`,
    '',
    '[logging]',
    '# stderr (under systemd: the journal), file:PATH, syslog:udp or syslog:udp-rfc5424 (docs/logging.md).',
    '# location = stderr',
    `# log level = ${D.DEFAULT_LOG_LEVEL}`,
    '',
    '[metrics]',
    '# Prometheus metrics on GET /metrics: HOST:PORT, [IPV6]:PORT or node:PORT; off when unset (docs/metrics.md).',
    '# address = 127.0.0.1:9180',
    '# allow non-loopback = false',
    '',
    '[notify]',
    '# How long and how many changes `corral watch --since` can replay (docs/notifications.md).',
    `# retention = ${D.NOTIFY_RETENTION_S}`,
    `# max entries = ${D.NOTIFY_MAX_ENTRIES}`,
    '',
    '[event]',
    '# Seconds for a whole event run; "<event> timeout" sets one event\'s own (docs/events.md).',
    `# timeout = ${D.EVENT_SCRIPT_TIMEOUT_S}`,
    `# monitor timeout = ${D.EVENT_SCRIPT_TIMEOUT_S}`,
    '# Run as SCRIPT PID EVENT when a script hangs, before it is killed.',
    '# debug script = debug-hung-script.sh',
    '# Run as SCRIPT STATE (init, setup, startup, healthy, unhealthy), as CTDB\'s notify.sh (docs/notifications.md).',
    '# notification script = notify.sh',
    '# run all = false',
    `# output cap = ${D.SCRIPT_OUTPUT_CAP_BYTES}`,
    `# queue limit = ${D.EVENT_QUEUE_LIMIT}`,
    `# concurrency = ${D.EVENT_CONCURRENCY}`,
    `# history = ${D.EVENT_HISTORY_SIZE}`,
    '',
    '[script timeouts]',
    '# One script\'s own deadline in seconds (COMPONENT/NN.name), shorter than its event\'s.',
    '# legacy/10.interface = 5',
    '',
  ].join('\n')
}

const PUBLIC_ADDRESSES_TEXT = [
  '# The public addresses this node can host, one per line, CTDB\'s format:',
  '#   ADDRESS/MASKBITS IFACE[,IFACE...]',
  '# for example',
  '#   198.51.100.10/24 eth1',
  '#   198.51.100.11/24 eth1,eth2',
  '#   2001:db8::10/64 eth1',
  '# Usually the same list on every node; an address goes only to nodes that list it.',
  '# corral moves addresses on the interfaces once the interface plugin is enabled:',
  '#   corral event script enable legacy 10.interface',
  '# Then apply an edit with: corral reloadips all (docs/ip.md).',
  '',
].join('\n')

function exists (path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}

function versionOf (): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

// Write through a temporary file and a rename, so a file is either old or new, never half
// written, and the key is 0600 from its first byte even when an existing file had looser bits.
function writeFile (path: string, data: string | Buffer, mode: number): void {
  const tmp = `${path}.corral-init-${process.pid}`
  try {
    writeFileSync(tmp, data, { mode, flag: 'wx' })
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw new Error(`cannot write ${path}: ${(err as Error).message}`, { cause: err })
  }
}

// Why: the files are checked before anything is written, so a refusal leaves the directory as it was.
export function initConfigDir (opts: InitOptions): InitResult {
  const configDir = resolve(opts.configDir)
  if (exists(configDir) && !statSync(configDir).isDirectory()) throw new CorralError('CORRAL_E_USAGE', `${configDir} exists and is not a directory`)
  const planned: Array<{ name: string, data: string | Buffer, mode: number }> = [
    { name: D.CONFIG_FILE_NAME, data: starterConfig({ configDir, version: versionOf() }), mode: 0o644 },
    { name: D.NODES_FILE_NAME, data: opts.nodes.map(a => `${a}\n`).join(''), mode: 0o644 },
    { name: D.PUBLIC_ADDRESSES_FILE_NAME, data: PUBLIC_ADDRESSES_TEXT, mode: 0o644 },
    { name: D.CLUSTER_KEY_FILE_NAME, data: randomBytes(INIT_KEY_BYTES), mode: 0o600 },
  ]
  const present = planned.map(f => join(configDir, f.name)).filter(exists)
  if (present.length > 0 && !opts.force) {
    throw new CorralError('CORRAL_E_USAGE', `${present.join(', ')} already exist${present.length === 1 ? 's' : ''}; nothing was written (--force overwrites)`)
  }
  const legacy = join(configDir, D.EVENTS_DIR_NAME, D.LEGACY_COMPONENT)
  try {
    mkdirSync(legacy, { recursive: true })
  } catch (err) {
    throw new Error(`cannot create ${legacy}: ${(err as Error).message}`, { cause: err })
  }
  const files = planned.map(f => {
    const path = join(configDir, f.name)
    const overwritten = present.includes(path)
    writeFile(path, f.data, f.mode)
    return { name: f.name, path, mode: `0${f.mode.toString(8)}`, overwritten }
  })
  return { configDir, files, dirs: [join(configDir, D.EVENTS_DIR_NAME), legacy], nodes: opts.nodes }
}

// Why: `corral init` is the first command on a new node; it says what it wrote and what comes next.
export async function init (g: GlobalOptions, opts: { nodes?: string, force?: boolean }): Promise<number> {
  const env = process.env.CORRAL_CONFIG_DIR
  const configDir = g.configDir ?? (env !== undefined && env !== '' ? env : D.DEFAULT_CONFIG_DIR)
  const r = initConfigDir({ configDir, nodes: parseNodesOption(opts.nodes), force: opts.force === true })
  if (g.json === true) {
    printJson(r)
    return 0
  }
  const note = (name: string): string => {
    switch (name) {
      case D.CONFIG_FILE_NAME: return 'every key commented out at its default: choose the cluster lock'
      case D.NODES_FILE_NAME: return r.nodes.length > 0 ? `${r.nodes.length} node(s): ${r.nodes.join(', ')}` : 'empty: one address per line, the same file on every node'
      case D.PUBLIC_ADDRESSES_FILE_NAME: return 'no addresses yet (examples in comments)'
      case D.CLUSTER_KEY_FILE_NAME: return `a new random key, mode 0600: copy the same file to every node`
      default: return ''
    }
  }
  printText([
    `Wrote a starter config in ${r.configDir}:`,
    ...r.files.map(f => `  ${f.name.padEnd(17)} ${note(f.name)}${f.overwritten ? ' (overwritten)' : ''}`),
    `  ${`${D.EVENTS_DIR_NAME}/${D.LEGACY_COMPONENT}/`.padEnd(17)} event scripts and plugins (corral event script enable legacy 10.interface)`,
    '',
    'Next: the same nodes and cluster.key on every node, a cluster lock, public addresses, then',
    'systemctl enable --now corrald.',
    `Step by step: ${join(packageRoot(), 'docs', 'install.md')}`,
  ].join('\n'))
  return 0
}
