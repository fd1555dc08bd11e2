// `corral gettickles`, `addtickle`, `deltickle` and `tickle`: CTDB's commands for the TCP connections
// tracked per public address, same words and layouts (see docs/tickle.md).
import { TickleListRequestSchema, TickleUpdateRequestSchema } from '../../protocol/gen/corral/v1/tickle_pb.js'
import { CorralError } from '../errors/index.js'
import { requireAddress } from '../ip/address.js'
import { formatEndpoint, parseConnectionLines, requireConnection, type Connection } from '../tickle/connection.js'
import { readStdin, type GlobalOptions } from './context.js'
import { printJson, printText } from './output.js'
import { ask, withDaemon } from './request.js'

// Why: a port argument is checked before the daemon is asked, with the value named.
function portArg (text: string | undefined): number {
  if (text === undefined) return 0
  if (!/^[0-9]+$/.test(text) || Number(text) > 65535) throw new CorralError('CORRAL_E_USAGE', `PORT must be a number 0-65535, got '${text}'`)
  return Number(text)
}

// Why: CTDB's text layout ("Connections for IP", "Num connections", "SRC: ...   DST: ...") so scripts keep parsing it.
export function formatTickles (ip: string, conns: readonly Connection[]): string {
  return [`Connections for IP: ${ip}`, `Num connections: ${conns.length}`, ...conns.map(c => `SRC: ${formatEndpoint(c.src)}   DST: ${formatEndpoint(c.dst)}`)].join('\n')
}

// Why: `corral gettickles IP [PORT]`: the connections this node (or -n PNN) knows for a public address.
export async function getTickles (g: GlobalOptions, ip: string, port?: string): Promise<number> {
  requireAddress(ip)
  const p = portArg(port)
  const r = await withDaemon(g, async c => await ask(c, g, TickleListRequestSchema, { ip, port: p }))
  const conns = r.connections.map(x => ({ src: { ip: x.src?.ip ?? '', port: x.src?.port ?? 0 }, dst: { ip: x.dst?.ip ?? '', port: x.dst?.port ?? 0 } }))
  if (g.json === true) printJson({ ip: r.ip, connections: conns.map(c => ({ source: c.src, destination: c.dst })) })
  else printText(formatTickles(r.ip, conns))
  return 0
}

// One pair from the arguments, or "SRC:PORT DST:PORT" lines from stdin (CTDB: no arguments = stdin).
async function connectionsOf (src: string | undefined, dst: string | undefined): Promise<Connection[]> {
  if (src !== undefined && dst === undefined) throw new CorralError('CORRAL_E_USAGE', 'give SRC:PORT DST:PORT, or no arguments to read such lines from stdin')
  if (src !== undefined && dst !== undefined) return [requireConnection(src, dst, 'arguments')]
  return parseConnectionLines(await readStdin())
}

async function update (g: GlobalOptions, op: 'add' | 'del', src: string | undefined, dst: string | undefined): Promise<number> {
  const conns = await connectionsOf(src, dst)
  if (conns.length === 0) return 0
  const r = await withDaemon(g, async c => await ask(c, g, TickleUpdateRequestSchema, { op, connections: conns.map(x => ({ src: x.src, dst: x.dst })) }))
  if (g.json === true) printJson({ added: r.added, removed: r.removed, dropped: r.dropped })
  if (r.dropped > 0) throw new CorralError('CORRAL_E_USAGE', `${r.dropped} connection(s) not added: the address's tickle list is full`)
  return 0
}

// Why: `corral addtickle [SRC:PORT DST:PORT]`: register a client connection (smbd does this in CTDB).
export async function addTickle (g: GlobalOptions, src?: string, dst?: string): Promise<number> {
  return await update(g, 'add', src, dst)
}

// Why: `corral deltickle [SRC:PORT DST:PORT]`: forget a connection; an unknown one is not an error.
export async function delTickle (g: GlobalOptions, src?: string, dst?: string): Promise<number> {
  return await update(g, 'del', src, dst)
}

// Why: `corral tickle SRC:PORT DST:PORT`: send one tickle ACK now, from this host (no daemon; root).
export async function tickle (g: GlobalOptions, src?: string, dst?: string): Promise<number> {
  const conns = await connectionsOf(src, dst)
  if (conns.length === 0) return 0
  const { runTickleHelper } = await import('../tickle/helper.js')
  await runTickleHelper(conns)
  if (g.json === true) printJson({ sent: conns.length })
  return 0
}
