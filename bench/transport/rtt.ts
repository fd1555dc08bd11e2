// Round-trip latency and calls/s of the corral transport over a Unix socket, against a baseline
// measured in the same run: a bare net.Socket echo of the same bytes, no framing logic, no protobuf.
// Reproduce: node --import tsx bench/transport/rtt.ts [--calls N] [--runs N] [--payload BYTES]
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { create, toBinary } from '@bufbuild/protobuf'
import { EchoSchema } from '../../protocol/gen/corral/v1/common_pb.js'
import { MessageType } from '../../protocol/registry.js'
import { connectControl, createControlServer, encodeFrame, type Connection } from '../../engine/transport/index.js'

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : dflt
}
const CALLS = arg('calls', 5_000)
const RUNS = arg('runs', 5)
const PAYLOAD = arg('payload', 64)
const CONCURRENCY = [1, 32]

/** Something that sends one message and resolves when its answer is back. */
type Call = () => Promise<void>

interface Result { median: number, p99: number, callsPerSec: number }

// Run `calls` calls with `concurrency` in flight; per-call latency in µs, throughput in calls/s.
async function measure (call: Call, calls: number, concurrency: number): Promise<{ lat: number[], callsPerSec: number }> {
  const lat: number[] = []
  let next = 0
  const t0 = process.hrtime.bigint()
  const worker = async (): Promise<void> => {
    while (next < calls) {
      next++
      const s = process.hrtime.bigint()
      await call()
      lat.push(Number(process.hrtime.bigint() - s) / 1000)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  return { lat, callsPerSec: calls / secs }
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN

async function bench (call: Call, concurrency: number): Promise<Result> {
  await measure(call, Math.min(CALLS, 1000), concurrency) // warm-up
  const all: number[] = []
  const rates: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const { lat, callsPerSec } = await measure(call, CALLS, concurrency)
    all.push(...lat)
    rates.push(callsPerSec)
  }
  all.sort((a, b) => a - b)
  rates.sort((a, b) => a - b)
  return { median: pct(all, 0.5), p99: pct(all, 0.99), callsPerSec: pct(rates, 0.5) }
}

// The baseline: a server that writes back whatever it reads; the client waits for as many bytes as it sent.
async function bareEcho (socketPath: string, bytes: Buffer): Promise<{ call: Call, close: () => Promise<void> }> {
  const server = createServer(s => s.on('data', d => s.write(d)))
  await new Promise<void>(r => server.listen(socketPath, () => r()))
  const sock: Socket = createConnection(socketPath)
  await new Promise(r => sock.once('connect', r))
  sock.setNoDelay(true)
  const waiters: Array<() => void> = []
  let pending = 0
  sock.on('data', d => {
    pending += d.length
    while (pending >= bytes.length && waiters.length > 0) {
      pending -= bytes.length
      waiters.shift()?.()
    }
  })
  return {
    call: () => new Promise<void>(resolve => { waiters.push(resolve); sock.write(bytes) }),
    close: async () => { sock.destroy(); await new Promise(r => server.close(r)) },
  }
}

async function main (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-'))
  try {
    const server = await createControlServer({ socketPath: join(dir, 'corrald.sock'), handlers: [] })
    const conn: Connection = await connectControl(server.socketPath)
    const payload = new Uint8Array(PAYLOAD).fill(0x61)
    const corralCall: Call = async () => { await conn.request(EchoSchema, { payload }) }
    // The baseline sends exactly the bytes of a corral Echo request frame.
    const frame = encodeFrame({ type: MessageType.Echo, flags: 0, requestId: 1, body: toBinary(EchoSchema, create(EchoSchema, { payload })) })
    const bare = await bareEcho(join(dir, 'bare.sock'), frame)

    const rows: string[][] = []
    for (const c of CONCURRENCY) {
      const ours = await bench(corralCall, c)
      const base = await bench(bare.call, c)
      rows.push([`RTT median, ${c} in flight (µs)`, ours.median.toFixed(1), base.median.toFixed(1), (ours.median / base.median).toFixed(2)])
      rows.push([`RTT p99, ${c} in flight (µs)`, ours.p99.toFixed(1), base.p99.toFixed(1), (ours.p99 / base.p99).toFixed(2)])
      rows.push([`calls/s, ${c} in flight`, ours.callsPerSec.toFixed(0), base.callsPerSec.toFixed(0), (ours.callsPerSec / base.callsPerSec).toFixed(2)])
    }
    conn.close()
    await server.close()
    await bare.close()

    const head = ['measure', 'corral (frame + protobuf)', 'baseline (bare socket echo)', 'ratio']
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]?.length ?? 0)))
    const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
    console.log(`Transport round trip over a Unix socket: Echo with a ${PAYLOAD}-byte payload (${frame.length}-byte frame), ${RUNS} runs x ${CALLS} calls, node ${process.version}`)
    console.log(line(head))
    console.log(`|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`)
    for (const r of rows) console.log(line(r))
    console.log('ratio = corral / baseline (for latency lower is better; for calls/s higher is better)')
    console.log('reproduce: node --import tsx bench/transport/rtt.ts')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
