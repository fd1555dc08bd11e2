#!/usr/bin/env node
// The `corral` command line: parses arguments and hands each command to engine/cli.
// Command modules are imported lazily so that every command starts fast.
import { Command, InvalidArgumentError, Option } from 'commander'
import type { GlobalOptions } from '../engine/cli/context.js'

const program = new Command('corral')
  .description('corral: cluster engine for all-active file-server clusters (a re-design of CTDB)')
  .option('--config-dir <dir>', 'config directory (default /etc/corral, or CORRAL_CONFIG_DIR)')
  .option('--socket <path>', 'control socket of the daemon to talk to (default <run dir>/corrald.sock, or CORRAL_SOCKET)')
  .option('-j, --json', 'print JSON instead of text')
  .addOption(new Option('-n, --node <pnn>', 'send the command to node PNN through the local daemon').argParser(pnnArg))
  .addOption(new Option('-t, --timelimit <seconds>', 'seconds to wait for the daemon to answer').argParser(positiveNumber))
  .showHelpAfterError()
  .configureOutput({ outputError: (s, write) => write(s) })
  .exitOverride(err => { process.exit(err.exitCode === 0 ? 0 : 64) })

const globals = (): GlobalOptions => program.opts<GlobalOptions>()

// Runs one command's implementation and turns any failure into a message and an exit status.
function run<A extends unknown[]> (load: () => Promise<(g: GlobalOptions, ...args: A) => Promise<number | void>>) {
  return async (...args: A): Promise<void> => {
    const { reportFailure } = await import('../engine/cli/output.js')
    try {
      const impl = await load()
      const code = await impl(globals(), ...args)
      process.exitCode = typeof code === 'number' ? code : 0
    } catch (err) {
      process.exitCode = reportFailure(err, globals().json === true)
    }
  }
}

function pnnArg (v: string): number {
  if (!/^[0-9]+$/.test(v)) throw new InvalidArgumentError(`-n takes a node number (PNN), got '${v}'`)
  return Number(v)
}

function positiveNumber (v: string): number {
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got '${v}'`)
  return n
}

const event = program.command('event').description('run event scripts and plugins, show their results')
event.command('run')
  .description('run EVENT in COMPONENT and wait for it (exit status: 0 ok, 8 failed, 110 timed out, 125 cancelled)')
  .addOption(new Option('--timeout <seconds>', 'deadline for the whole event, counted from arrival (default: configured)').argParser(positiveNumber))
  .option('--run-all', 'keep running the remaining scripts after a failure')
  .argument('<component>').argument('<event>').argument('[args...]')
  .action(run(async () => (await import('../engine/cli/events.js')).eventRun))
event.command('status')
  .description('show the last run of EVENT in COMPONENT, script by script (exit status: the run\'s)')
  .addOption(new Option('--history <n>', 'also show the last N runs').argParser(v => Number.parseInt(v, 10)))
  .argument('<component>').argument('<event>')
  .action(run(async () => (await import('../engine/cli/events.js')).eventStatus))
const script = event.command('script').description('list, enable and disable scripts and plugins')
script.command('list').argument('<component>')
  .description('list the scripts and plugins of COMPONENT (* = enabled)')
  .action(run(async () => (await import('../engine/cli/events.js')).scriptList))
script.command('enable').argument('<component>').argument('<script>')
  .description('enable SCRIPT (make it executable, or link it from the shipped events)')
  .action(run(async () => (await import('../engine/cli/events.js')).scriptEnable))
script.command('disable').argument('<component>').argument('<script>')
  .description('disable SCRIPT (clear its executable bits, or remove the link)')
  .action(run(async () => (await import('../engine/cli/events.js')).scriptDisable))

program.command('scriptstatus').argument('[event]', 'event name', 'monitor')
  .description('CTDB alias of "event status legacy EVENT"; always exits 0')
  .action(run(async () => (await import('../engine/cli/events.js')).scriptStatus))

const cluster = async () => await import('../engine/cli/cluster.js')
program.command('status').description('nodes with their flags, generation, recovery mode and leader (CTDB layout)')
  .action(run(async () => (await cluster()).status))
program.command('nodestatus').argument('[nodes]', 'all, or PNNs like 0,2 (default: this node)')
  .description('node lines only; the exit status is the OR of the selected nodes\' flags')
  .action(run(async () => (await cluster()).nodeStatus))
program.command('listnodes').description('addresses of the nodes file (no daemon needed)')
  .action(run(async () => (await cluster()).listNodes))
program.command('pnn').description('this node\'s number').action(run(async () => (await cluster()).pnn))
program.command('leader').description('the leader\'s number, or UNKNOWN').action(run(async () => (await cluster()).leader))
program.command('uptime').description('start time, last recovery and its duration').action(run(async () => (await cluster()).uptime))
for (const [op, what] of [['disable', 'set DISABLED: the node keeps running but hosts no addresses'], ['enable', 'clear DISABLED'], ['stop', 'set STOPPED: the node leaves the cluster\'s work until continue'], ['continue', 'clear STOPPED'], ['unban', 'clear BANNED'], ['recover', 'force a recovery']] as const) {
  program.command(op).description(what).action(run(async () => { const m = await cluster(); return async (g: GlobalOptions) => await m.admin(g, op) }))
}
program.command('ban').argument('<seconds>').description('set BANNED for SECONDS')
  .action(run(async () => { const m = await cluster(); return async (g: GlobalOptions, s: string) => await m.admin(g, 'ban', s) }))
program.command('reloadnodes').description('apply an edited nodes file (new and commented-out lines) on every connected node')
  .action(run(async () => (await cluster()).reloadNodes))
program.command('getvar').argument('<name>').description('read a tunable').action(run(async () => { const m = await cluster(); return async (g: GlobalOptions, n: string) => await m.tunable(g, 'get', n) }))
program.command('setvar').argument('<name>').argument('<value>').description('set a tunable on this node (not persisted)')
  .action(run(async () => { const m = await cluster(); return async (g: GlobalOptions, n: string, v: string) => await m.tunable(g, 'set', n, v) }))
program.command('listvars').description('every tunable and its value').action(run(async () => { const m = await cluster(); return async (g: GlobalOptions) => await m.tunable(g, 'list') }))

program.command('watch').description('follow notifications (flags, leader, recovery, takeover runs, addresses, health) until interrupted')
  .option('--since <seq>', 'first replay what is kept after SEQ (0: everything kept), then follow')
  .action(run(async () => (await import('../engine/cli/watch.js')).watch))

const ipm = async () => await import('../engine/cli/ip.js')
const ip = program.command('ip').description('public IP addresses: each address and the node holding it (all: merged over every node)')
  .argument('[all]', 'all: every node\'s addresses, merged').option('-v, --verbose', 'with interfaces')
  .action(run(async () => (await ipm()).ipList))
ip.command('plan')
  .description('what-if: read "IP CURRENT_PNN [PNN,...]" lines on stdin, print the allocation "IP PNN" (no daemon needed); --live: what a takeover run would do now')
  .option('--node-flags <flags>', 'one flags bitmask per node, comma-separated (0x1 disconnected, 0x2 unhealthy, 0x4 disabled, 0x8 banned, 0x10 deleted, 0x20 stopped)')
  .addOption(new Option('--algorithm <name>', 'allocation algorithm').choices(['lcp2', 'deterministic', 'nondeterministic']).default('lcp2'))
  .option('--no-ip-failback', 'do not rebalance onto nodes that became healthy (NoIPFailback=1)')
  .option('--no-ip-takeover', 'nodes never gain addresses they do not hold (NoIPTakeover=1)')
  .option('--live', 'ask the leader what a takeover run would do now (nothing is moved)')
  .option('--replay <file>', 'rerun each takeover plan recorded in FILE (decisions.jsonl or one record; - for stdin) and check it reproduces')
  .action(run(async () => (await ipm()).ipPlan))
ip.command('hosts').argument('<action>', 'set or clear').argument('[pnns]', 'for set: PNNs like 0,2,3')
  .description('limit which nodes may host addresses, cluster-wide, until cleared (set 0,2,3 | clear)')
  .action(run(async () => (await ipm()).ipHosts))
program.command('ipinfo').argument('<ip>').description('the node holding IP and its interfaces (link, references, active)')
  .action(run(async () => (await ipm()).ipInfo))
program.command('ifaces').description('interfaces used by public addresses: link state and references')
  .action(run(async () => (await ipm()).ifaces))
program.command('moveip').argument('<ip>').argument('<pnn>').description('move IP to node PNN now (a later takeover run may move it again)')
  .action(run(async () => (await ipm()).moveIp))
program.command('addip').argument('<ip/mask>').argument('<iface>').description('add a public address to this node (or -n PNN) until restart; starts a takeover run')
  .action(run(async () => (await ipm()).addIp))
program.command('delip').argument('<ip>').description('remove a public address from this node (or -n PNN); a held one is released by the takeover run this starts')
  .action(run(async () => (await ipm()).delIp))
program.command('reloadips').argument('[nodes]', 'all, or PNNs like 0,2 (default: this node)').description('re-read public_addresses and apply additions and removals')
  .action(run(async () => (await ipm()).reloadIps))
program.command('ipreallocate').alias('sync').description('ask the leader for a takeover run and wait for it')
  .action(run(async () => (await ipm()).ipReallocate))
program.command('setifacelink').argument('<iface>').argument('<state>', 'up or down').description('set an interface\'s link state as corral sees it')
  .action(run(async () => (await ipm()).setIfaceLink))
program.command('notify').argument('<state>', 'healthy or unhealthy').argument('[reason...]')
  .description('an external monitor\'s verdict on this node (or -n PNN): unhealthy moves its addresses away until healthy')
  .action(run(async () => (await ipm()).notify))

program.command('init').description('write a starter config in --config-dir (default /etc/corral): corral.conf, nodes, public_addresses, a new cluster.key, events.d/legacy')
  .option('--nodes <addrs>', 'node addresses for the nodes file, comma-separated').option('--force', 'overwrite existing files')
  .action(run(async () => (await import('../engine/cli/init.js')).init))
const dbm = async () => await import('../engine/cli/db.js')
program.command('getdbmap').description('databases attached on this node: id, name, kind').action(run(async () => (await dbm()).getDbMap))
program.command('attach').argument('<name>').argument('[kind]', 'persistent or replicated (default volatile)').description('attach a database on every connected node')
  .action(run(async () => (await dbm()).attach))
program.command('detach').argument('<name>').description('detach a volatile or replicated database everywhere').action(run(async () => (await dbm()).detach))
program.command('catdb').argument('<db>', 'name or 0xID').description('every record of this node\'s copy, with its header').action(run(async () => (await dbm()).catdb))
program.command('getdbstatus').argument('<db>').description('id, name, kind and record count of a database').action(run(async () => (await dbm()).getDbStatus))
program.command('getdbseqnum').argument('<db>').description('sequence number of a persistent or replicated database').action(run(async () => (await dbm()).getDbSeqnum))
program.command('readkey').argument('<db>').argument('<key>').description('read a record (volatile: migrated here first)').action(run(async () => (await dbm()).readKey))
program.command('writekey').argument('<db>').argument('<key>').argument('<value>').description('write a record (volatile: migrated here first)').action(run(async () => (await dbm()).writeKey))
program.command('deletekey').argument('<db>').argument('<key>').description('delete a record').action(run(async () => (await dbm()).deleteKey))
program.command('pfetch').argument('<db>').argument('<key>').argument('[file]').description('read a persistent record\'s value (to FILE)').action(run(async () => (await dbm()).pfetch))
program.command('pstore').argument('<db>').argument('<key>').argument('<value>').description('write a persistent record: one cluster-wide transaction').action(run(async () => (await dbm()).writeKey))
program.command('pdelete').argument('<db>').argument('<key>').description('delete a persistent record: one cluster-wide transaction').action(run(async () => (await dbm()).deleteKey))
program.command('ptrans').argument('<db>').argument('[file]').description('one transaction of "KEY" "VALUE" lines from FILE or stdin (empty value deletes)').action(run(async () => (await dbm()).ptrans))
program.command('backupdb').argument('<db>').argument('<file>').description('write this node\'s copy to a backup file').action(run(async () => (await dbm()).backupDb))
program.command('restoredb').argument('<file>').argument('[db]').description('restore a backup file on this node').action(run(async () => (await dbm()).restoreDb))
program.command('wipedb').argument('<db>').description('empty this node\'s copy of a database').action(run(async () => (await dbm()).wipeDb))
program.command('dumpdbbackup').argument('<file>').description('print a backup file (no daemon needed)').action(run(async () => (await dbm()).dumpDbBackup))

program.command('ping').description('check that the daemon answers; print its pid and uptime')
  .action(run(async () => (await import('../engine/cli/daemon.js')).ping))
program.command('version').description('print the corral version')
  .action(run(async () => (await import('../engine/cli/daemon.js')).version))

const local = program.command('local').description('a local cluster on 127.0.0.x for trying corral out and for tests')
local.command('start')
  .addOption(new Option('--nodes <n>', 'number of nodes').argParser(v => Number.parseInt(v, 10)).default(3))
  .option('--dir <dir>', 'where the nodes\' config, state and logs go (default $TMPDIR/corral-local)')
  .addOption(new Option('--port <port>', 'TCP port of the node links (default 4380)').argParser(v => Number.parseInt(v, 10)))
  .option('--lock <lock>', 'cluster lock for every node: a file, !HELPER ARGS, etcd://HOST:PORT/KEY, or none (default: a file in DIR)')
  .option('--extra-config <file>', 'corral.conf lines appended to every node\'s config (e.g. [failover] status callback = ...)')
  .description('start N local nodes and print their status')
  .action(run(async () => (await import('../engine/cli/local.js')).localStart))
local.command('stop').option('--dir <dir>').description('stop the local nodes started by "local start"')
  .action(run(async () => (await import('../engine/cli/local.js')).localStop))
local.command('status').option('--dir <dir>').description('show where the local nodes live and whether they run')
  .action(run(async () => (await import('../engine/cli/local.js')).localStatus))

await program.parseAsync(process.argv)
// Nothing a command leaves behind (a half-open socket, a timer) may keep the CLI from exiting.
process.exit(process.exitCode ?? 0)
