import t from 'tap'
import {
  statusText, statusMachine, statusJson, nodestatus, NO_LOCK_WARNING, Runstate, RecoveryMode,
  NODE_FLAGS_DISCONNECTED as DISC, NODE_FLAGS_UNHEALTHY as UNH, NODE_FLAGS_PERMANENTLY_DISABLED as DIS,
  NODE_FLAGS_DELETED as DEL, NODE_FLAGS_STOPPED as STOP, INVALID_GENERATION,
} from '../../engine/cluster/index.js'
import type { StatusSnapshot } from '../../engine/cluster/index.js'

const healthy: StatusSnapshot = {
  thisPnn: 0,
  nodes: [
    { pnn: 0, address: '192.168.20.41', flags: 0 },
    { pnn: 1, address: '192.168.20.42', flags: 0 },
    { pnn: 2, address: '192.168.20.43', flags: 0 },
  ],
  generation: 654321,
  recoveryMode: RecoveryMode.NORMAL,
  leader: 0,
  runstate: Runstate.RUNNING,
  lockConfigured: true,
}

t.test('status of a healthy cluster reads exactly like ctdb status', async t => {
  t.equal(statusText(healthy), [
    'Number of nodes:3',
    'pnn:0 192.168.20.41    OK (THIS NODE)',
    'pnn:1 192.168.20.42    OK',
    'pnn:2 192.168.20.43    OK',
    'Generation:654321',
    'Size:3',
    'hash:0 lmaster:0',
    'hash:1 lmaster:1',
    'hash:2 lmaster:2',
    'Recovery mode:NORMAL (0)',
    'Leader:0',
    '',
  ].join('\n'))
})

const troubled: StatusSnapshot = {
  thisPnn: 1,
  nodes: [
    { pnn: 0, address: '192.168.20.41', flags: DISC | UNH },
    { pnn: 1, address: '192.168.20.42', flags: DIS },
    { pnn: 2, address: '0.0.0.0', flags: DEL },
    { pnn: 3, address: '192.168.20.44', flags: STOP },
    { pnn: 4, address: 'fd00::5', flags: 0, partiallyOnline: true },
  ],
  generation: 4000000000,
  recoveryMode: RecoveryMode.ACTIVE,
  leader: null,
  runstate: Runstate.RUNNING,
  lockConfigured: false,
}

t.test('status shows deleted counts, combined flags, the vnnmap, RECOVERY, UNKNOWN leader and the no-lock warning', async t => {
  t.equal(statusText(troubled), [
    'Number of nodes:5 (including 1 deleted nodes)',
    'pnn:0 192.168.20.41    DISCONNECTED|UNHEALTHY|INACTIVE',
    'pnn:1 192.168.20.42    DISABLED (THIS NODE)',
    'pnn:3 192.168.20.44    STOPPED|INACTIVE',
    'pnn:4 fd00::5          PARTIALLYONLINE',
    'Generation:4000000000',
    'Size:2',
    'hash:0 lmaster:1',
    'hash:1 lmaster:4',
    'Recovery mode:RECOVERY (1)',
    'Leader:UNKNOWN',
    NO_LOCK_WARNING,
    '',
  ].join('\n'))
})

const starting: StatusSnapshot = {
  ...healthy,
  nodes: [
    { pnn: 0, address: '127.0.0.1', flags: UNH },
    { pnn: 1, address: '127.0.0.2', flags: UNH },
    { pnn: 2, address: '127.0.0.3', flags: DISC | UNH },
  ],
  generation: INVALID_GENERATION,
  recoveryMode: RecoveryMode.ACTIVE,
  runstate: Runstate.FIRST_RECOVERY,
}

t.test('a starting node shows connected peers as UNKNOWN and Generation:INVALID', async t => {
  t.equal(statusText(starting), [
    'Number of nodes:3',
    'pnn:0 127.0.0.1        UNHEALTHY (THIS NODE)',
    'pnn:1 127.0.0.2        UNKNOWN',
    'pnn:2 127.0.0.3        DISCONNECTED|UNHEALTHY|INACTIVE',
    'Generation:INVALID',
    'Size:0',
    'Recovery mode:RECOVERY (1)',
    'Leader:0',
    '',
  ].join('\n'))
})

t.test('status -X has CTDB\'s header and one row per non-deleted node', async t => {
  t.equal(statusMachine(troubled), [
    '|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|',
    '|0|192.168.20.41|1|0|0|0|1|0|1|0|N|',
    '|1|192.168.20.42|0|0|0|1|0|0|0|0|Y|',
    '|3|192.168.20.44|0|0|0|0|0|1|1|0|N|',
    '|4|fd00::5|0|0|0|0|0|0|0|1|N|',
    '',
  ].join('\n'))
})

t.test('nodestatus defaults to this node and exits with its flags', async t => {
  t.same(nodestatus(troubled), { text: 'pnn:1 192.168.20.42    DISABLED (THIS NODE)\n', exitCode: 4 })
})

t.test('nodestatus all has the header and ORs every non-deleted node\'s flags', async t => {
  const r = nodestatus(troubled, 'all')
  t.equal(r.text.split('\n')[0], 'Number of nodes:5 (including 1 deleted nodes)')
  t.equal(r.exitCode, DISC | UNH | DIS | STOP)
})

t.test('nodestatus of a PNN list, and its -X form', async t => {
  t.same(nodestatus(troubled, [0, 3]), { text: 'pnn:0 192.168.20.41    DISCONNECTED|UNHEALTHY|INACTIVE\npnn:3 192.168.20.44    STOPPED|INACTIVE\n', exitCode: 0x23 })
  t.equal(nodestatus(healthy, [2], true).text, '|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|\n|2|192.168.20.43|0|0|0|0|0|0|0|0|N|\n')
  t.equal(nodestatus(starting, [1]).exitCode, 0x40, 'UNKNOWN counts in the exit code, as in CTDB')
})

t.test('status --json has CTDB\'s keys in CTDB\'s order plus corral\'s runstate and lock', async t => {
  t.equal(JSON.stringify(statusJson(starting), null, 2), `{
  "node_status": {
    "node_count": 3,
    "deleted_node_count": 0,
    "nodes": {
      "0": {
        "pnn": 0,
        "address": "127.0.0.1",
        "partially_online": false,
        "flags_raw": 2,
        "flags_ok": false,
        "flags": {
          "disconnected": false,
          "unknown": false,
          "disabled": false,
          "banned": false,
          "unhealthy": true,
          "deleted": false,
          "stopped": false,
          "inactive": false
        },
        "this_node": true
      },
      "1": {
        "pnn": 1,
        "address": "127.0.0.2",
        "partially_online": false,
        "flags_raw": 64,
        "flags_ok": false,
        "flags": {
          "disconnected": false,
          "unknown": true,
          "disabled": false,
          "banned": false,
          "unhealthy": false,
          "deleted": false,
          "stopped": false,
          "inactive": false
        },
        "this_node": false
      },
      "2": {
        "pnn": 2,
        "address": "127.0.0.3",
        "partially_online": false,
        "flags_raw": 3,
        "flags_ok": false,
        "flags": {
          "disconnected": true,
          "unknown": false,
          "disabled": false,
          "banned": false,
          "unhealthy": true,
          "deleted": false,
          "stopped": false,
          "inactive": true
        },
        "this_node": false
      }
    }
  },
  "vnn_status": {
    "generation": null,
    "size": 0,
    "vnn_map": []
  },
  "recovery_mode": "RECOVERY",
  "recovery_mode_raw": 1,
  "recovery_progress": null,
  "leader": 0,
  "runstate": "FIRST_RECOVERY",
  "cluster_lock": {
    "configured": true,
    "split_brain_possible": false
  }
}`)
})

t.test('status --json of a cluster without a lock says split brain is possible; unknown leader is null', async t => {
  const j = statusJson(troubled)
  t.same(j.cluster_lock, { configured: false, split_brain_possible: true })
  t.equal(j.leader, null)
  t.same(Object.keys(j.node_status.nodes), ['0', '1', '3', '4'])
  t.equal(j.node_status.deleted_node_count, 1)
  t.same(j.vnn_status, { generation: 4000000000, size: 2, vnn_map: [{ hash: 0, lmaster: 1 }, { hash: 1, lmaster: 4 }] })
})

t.test('status shows the progress of a recovery the answering node leads', async t => {
  const s = { thisPnn: 0, nodes: [{ pnn: 0, address: '127.0.0.1', flags: 0 }], generation: 5, recoveryMode: 1, leader: 0, runstate: 5, lockConfigured: true, recoveryProgress: { dbsDone: 2, dbsTotal: 4, records: 120000 } }
  t.match(statusText(s as never), /^Recovery mode:RECOVERY \(1\)\nRecovery progress:2\/4 databases, 120000 records pushed\nLeader:0$/m)
  t.same(statusJson(s as never).recovery_progress, { databases_done: 2, databases: 4, records_pushed: 120000 })
  t.notMatch(statusText({ ...s, recoveryMode: 0 } as never), /Recovery progress/, 'not once the recovery is over')
})
