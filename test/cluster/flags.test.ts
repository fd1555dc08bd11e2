import t from 'tap'
import {
  NODE_FLAGS_DISCONNECTED as DISC, NODE_FLAGS_UNHEALTHY as UNH, NODE_FLAGS_PERMANENTLY_DISABLED as DIS,
  NODE_FLAGS_BANNED as BAN, NODE_FLAGS_DELETED as DEL, NODE_FLAGS_STOPPED as STOP, NODE_FLAGS_UNKNOWN as UNK,
  NODE_FLAGS_DISABLED, NODE_FLAGS_INACTIVE, flagsText, isInactive, canHostIps, canLead, withUnknown,
  nodestatusExitCode, monitorMayRun, Runstate, RecoveryMode,
} from '../../engine/cluster/index.js'

t.test('flag bits and masks have CTDB\'s wire values', async t => {
  t.same([DISC, UNH, DIS, BAN, DEL, STOP, UNK], [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40])
  t.equal(NODE_FLAGS_DISABLED, 0x06)
  t.equal(NODE_FLAGS_INACTIVE, 0x39)
})

const texts: Array<[number, string]> = [
  [0, 'OK'],
  [UNH, 'UNHEALTHY'],
  [DIS, 'DISABLED'],
  [DIS | UNH, 'DISABLED|UNHEALTHY'],
  [DISC | UNH, 'DISCONNECTED|UNHEALTHY|INACTIVE'],
  [BAN, 'BANNED|INACTIVE'],
  [STOP, 'STOPPED|INACTIVE'],
  [STOP | DIS | UNH, 'DISABLED|UNHEALTHY|STOPPED|INACTIVE'],
  [UNK, 'UNKNOWN'],
  [DEL, 'DELETED|INACTIVE'],
]
for (const [flags, text] of texts) {
  t.test(`flags 0x${flags.toString(16)} print as ${text}`, async t => { t.equal(flagsText(flags), text) })
}

t.test('a node with flags 0 and a link down prints PARTIALLYONLINE; with other flags it does not', async t => {
  t.equal(flagsText(0, true), 'PARTIALLYONLINE')
  t.equal(flagsText(UNH, true), 'UNHEALTHY')
})

const hosting: Array<[string, number, Runstate, boolean]> = [
  ['a healthy RUNNING node hosts IPs', 0, Runstate.RUNNING, true],
  ['a healthy node still in STARTUP does not', 0, Runstate.STARTUP, false],
  ['an UNHEALTHY node does not', UNH, Runstate.RUNNING, false],
  ['a DISABLED node does not', DIS, Runstate.RUNNING, false],
  ['a BANNED node does not', BAN, Runstate.RUNNING, false],
  ['a STOPPED node does not', STOP, Runstate.RUNNING, false],
]
for (const [name, flags, rs, want] of hosting) t.test(name, async t => { t.equal(canHostIps(flags, rs), want) })

t.test('UNHEALTHY and DISABLED nodes may lead; inactive ones or ones without the role may not', async t => {
  t.ok(canLead(UNH | DIS))
  t.notOk(canLead(BAN))
  t.notOk(canLead(DISC))
  t.notOk(canLead(0, false))
  t.ok(isInactive(STOP))
  t.notOk(isInactive(UNH))
})

t.test('while the queried node is starting, other connected nodes show as UNKNOWN', async t => {
  const nodes = [{ pnn: 0, flags: UNH }, { pnn: 1, flags: UNH }, { pnn: 2, flags: DISC | UNH }, { pnn: 3, flags: DEL }]
  t.same(withUnknown(nodes, 0, Runstate.FIRST_RECOVERY).map(n => n.flags), [UNH, UNK, DISC | UNH, DEL])
  t.same(withUnknown(nodes, 0, Runstate.STARTUP).map(n => n.flags), [UNH, UNH, DISC | UNH, DEL])
})

t.test('nodestatus exit code is the OR of the non-deleted nodes\' flags', async t => {
  t.equal(nodestatusExitCode([{ pnn: 0, flags: 0 }]), 0)
  t.equal(nodestatusExitCode([{ pnn: 0, flags: UNH }, { pnn: 1, flags: DIS }]), 6)
  t.equal(nodestatusExitCode([{ pnn: 0, flags: STOP }, { pnn: 1, flags: DISC }, { pnn: 2, flags: DEL }]), 0x21)
})

t.test('the monitor runs only when RUNNING, NORMAL, active and not frozen', async t => {
  const ok = { runstate: Runstate.RUNNING, recoveryMode: RecoveryMode.NORMAL, flags: UNH | DIS, allFrozen: false }
  t.ok(monitorMayRun(ok))
  t.notOk(monitorMayRun({ ...ok, runstate: Runstate.STARTUP }))
  t.notOk(monitorMayRun({ ...ok, recoveryMode: RecoveryMode.ACTIVE }))
  t.notOk(monitorMayRun({ ...ok, flags: STOP }))
  t.notOk(monitorMayRun({ ...ok, allFrozen: true }))
})
