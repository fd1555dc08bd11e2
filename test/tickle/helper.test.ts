import t from 'tap'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runTickleHelper, type Connection } from '../../engine/tickle/index.js'

const v4: Connection = { src: { ip: '192.0.2.9', port: 40000 }, dst: { ip: '198.51.100.1', port: 445 } }
const v6: Connection = { src: { ip: '2001:db8::9', port: 40000 }, dst: { ip: '2001:db8::1', port: 2049 } }
const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0

// The one's-complement sum over the pseudo header and the TCP header is 0xffff when the checksum is right.
function sum16 (b: Buffer): number {
  let s = 0
  for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | (b[i + 1] ?? 0)
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16)
  return s
}

t.test('the packets: a bare ACK with seq and ack 0, from the public address to the client, valid checksums', { skip: hasPython ? false : 'python3 is not installed' }, async t => {
  const [p4, p6] = (await runTickleHelper([v4, v6], { dryRun: true })).trim().split('\n').map(h => Buffer.from(h, 'hex'))
  t.equal(p4.length, 40, 'IPv4: 20 bytes of IP header, 20 of TCP')
  t.equal(p4[0], 0x45)
  t.equal(p4[9], 6, 'protocol TCP')
  t.same([...p4.subarray(12, 16)], [198, 51, 100, 1], 'from the public address')
  t.same([...p4.subarray(16, 20)], [192, 0, 2, 9], 'to the client')
  t.equal(sum16(p4.subarray(0, 20)), 0xffff, 'IP header checksum')
  const tcp4 = p4.subarray(20)
  t.equal(tcp4.readUInt16BE(0), 445, 'source port: the server side')
  t.equal(tcp4.readUInt16BE(2), 40000, 'destination port: the client')
  t.equal(tcp4.readUInt32BE(4), 0, 'seq 0')
  t.equal(tcp4.readUInt32BE(8), 0, 'ack 0')
  t.equal(tcp4[13], 0x10, 'flags: ACK only')
  t.equal(tcp4.readUInt16BE(14), 1234, 'window 1234, as CTDB')
  t.equal(sum16(Buffer.concat([p4.subarray(12, 20), Buffer.from([0, 6, 0, 20]), tcp4])), 0xffff, 'TCP checksum over the IPv4 pseudo header')
  t.equal(p6.length, 60, 'IPv6: 40 bytes of IP header, 20 of TCP')
  t.equal(p6[0] >> 4, 6)
  t.equal(p6[6], 6, 'next header TCP')
  t.equal(p6.readUInt16BE(4), 20, 'payload length')
  const tcp6 = p6.subarray(40)
  t.equal(tcp6.readUInt16BE(0), 2049)
  const pseudo6 = Buffer.concat([p6.subarray(8, 40), Buffer.from([0, 0, 0, 20, 0, 0, 0, 6])])
  t.equal(sum16(Buffer.concat([pseudo6, tcp6])), 0xffff, 'TCP checksum over the IPv6 pseudo header')
})

t.test('a bad line is refused with its line number, nothing sent', { skip: hasPython ? false : 'python3 is not installed' }, async t => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-tickle-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // The daemon only ever passes well-formed pairs; the helper still checks what it reads.
  await t.rejects(runTickleHelper([{ src: { ip: '192.0.2.9', port: 1 }, dst: { ip: '2001:db8::1', port: 2 } }], { dryRun: true }), { code: 'CORRAL_E_USAGE', message: /not of one address family/ })
})

t.test('no interpreter or no helper file: a clear error', async t => {
  await t.rejects(runTickleHelper([v4], { python: '/nonexistent/python3' }), { code: 'CORRAL_E_TICKLE_HELPER', message: /'\/nonexistent\/python3' is not installed \(tickle ACKs need Python 3\)/ })
  await t.rejects(runTickleHelper([v4], { helper: '/nonexistent/corral-tickle' }), { code: 'CORRAL_E_TICKLE_HELPER', message: /corral-tickle is missing/ })
})

const isRoot = process.getuid?.() === 0
const noDrop = !hasPython ? 'python3 is not installed' : isRoot && spawnSync('setpriv', ['--version']).status !== 0 ? 'root, and no setpriv to drop CAP_NET_RAW' : false

t.test('without CAP_NET_RAW the helper says it needs root or CAP_NET_RAW', { skip: noDrop }, async t => {
  let python = 'python3'
  if (isRoot) {
    const dir = mkdtempSync(join(tmpdir(), 'corral-tickle-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    python = join(dir, 'python-without-net-raw')
    writeFileSync(python, '#!/bin/sh\nexec setpriv --bounding-set=-net_raw --inh-caps=-net_raw python3 "$@"\n')
    chmodSync(python, 0o755)
  }
  await t.rejects(runTickleHelper([v4], { python }), { code: 'CORRAL_E_TICKLE_PERMISSION', message: /needs root or CAP_NET_RAW/ })
})
