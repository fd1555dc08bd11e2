import t from 'tap'
import { parseNodes, diffNodes, listNodesText, findNodeByAddress, canonicalAddress, NODE_FLAGS_DELETED, NODE_FLAGS_DISCONNECTED } from '../../engine/cluster/index.js'
import type { NodeInfo } from '../../engine/cluster/index.js'
import { isCorralError } from '../../engine/errors/index.js'

t.test('each non-blank line is a node numbered from 0, blank lines do not take a PNN', async t => {
  const nodes = parseNodes('  192.168.20.41 \n\n\t192.168.20.42\t\r\n\n192.168.20.43\n\n\n')
  t.same(nodes.map(n => [n.pnn, n.address, n.flags, n.line]), [
    [0, '192.168.20.41', 0, 1], [1, '192.168.20.42', 0, 3], [2, '192.168.20.43', 0, 5],
  ])
})

t.test('a # line is a DELETED node that keeps its PNN, even a pure comment', async t => {
  const nodes = parseNodes('# my cluster\n10.0.0.1\n  #10.0.0.2\n10.0.0.3\n')
  t.same(nodes.map(n => [n.pnn, n.address, n.flags]), [
    [0, '0.0.0.0', NODE_FLAGS_DELETED], [1, '10.0.0.1', 0], [2, '0.0.0.0', NODE_FLAGS_DELETED], [3, '10.0.0.3', 0],
  ])
})

t.test('IPv6 addresses are kept in canonical form', async t => {
  const nodes = parseNodes('fd00:0:0:0::1\n2001:DB8::2\n')
  t.same(nodes.map(n => n.address), ['fd00::1', '2001:db8::2'])
})

const canon: Array<[string, string | undefined]> = [
  ['::1', '::1'], ['0:0::01', '::1'], ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ['::ffff:1.2.3.4', '::ffff:1.2.3.4'], ['10.1.2.3', '10.1.2.3'], ['fe80::1%eth0', undefined], ['010.1.2.3', undefined], ['host', undefined],
]
for (const [input, want] of canon) {
  t.test(`canonical form of ${input} is ${String(want)}`, async t => { t.equal(canonicalAddress(input), want) })
}

const bad: Array<[string, string, RegExp]> = [
  ['a host name', '10.0.0.1\nnode2\n', /^nodes:2: Invalid node address node2: expected an IPv4 or IPv6 address$/],
  ['an address with a port', '10.0.0.1:4379\n', /^nodes:1: Invalid node address 10\.0\.0\.1:4379: the nodes file takes no port/],
  ['a bracketed IPv6 with a port', '[::1]:4379\n', /takes no port/],
  ['a trailing comment', '10.0.0.1 # first\n', /one address per line/],
  ['a duplicate address', '10.0.0.1\n\n10.0.0.1\n', /^nodes:3: Duplicate node address 10\.0\.0\.1: already node 0 \(line 1\)$/],
  ['a duplicate IPv6 address in another spelling', '::1\n0::0:1\n', /^nodes:2: Duplicate node address 0::0:1: already node 0/],
  ['the unspecified address', '0.0.0.0\n', /unspecified address/],
]
for (const [what, text, re] of bad) {
  t.test(`a nodes file with ${what} is rejected with file:line`, async t => {
    const err = caught(() => parseNodes(text))
    t.ok(isCorralError(err, 'CORRAL_E_NODES_FILE'), 'a CorralError with code CORRAL_E_NODES_FILE')
    t.match((err as Error).message, re)
  })
}

t.test('deleted nodes are not duplicates of each other', async t => {
  t.equal(parseNodes('#a\n#b\n10.0.0.1\n').length, 3)
})

t.test('listnodes shows non-deleted nodes, -X as |PNN|ADDRESS| without a header', async t => {
  const nodes = parseNodes('10.0.0.1\n#10.0.0.2\n10.0.0.3\n')
  t.equal(listNodesText(nodes), '10.0.0.1\n10.0.0.3\n')
  t.equal(listNodesText(nodes, true), '|0|10.0.0.1|\n|2|10.0.0.3|\n')
  t.equal(findNodeByAddress(nodes, '10.0.0.3')?.pnn, 2)
  t.equal(findNodeByAddress(nodes, '0.0.0.0'), undefined)
})

function caught (fn: () => unknown): unknown {
  try { fn() } catch (err) { return err }
  return undefined
}

const n = (pnn: number, address: string, flags = 0): NodeInfo => ({ pnn, address, flags })
const three = [n(0, '192.168.20.41'), n(1, '192.168.20.42'), n(2, '192.168.20.43')]
const file = (text: string): NodeInfo[] => parseNodes(text)

interface DiffCase { name: string, current: NodeInfo[], text: string, ok: boolean, reload: boolean, messages: string[], added?: number[], deleted?: number[], undeleted?: number[] }
const diffs: DiffCase[] = [
  { name: 'an unchanged file needs no reload', current: three, text: '192.168.20.41\n192.168.20.42\n192.168.20.43\n', ok: true, reload: false, messages: ['No change in nodes file, skipping unnecessary reload'] },
  { name: 'an appended line is a NEW node', current: three, text: '192.168.20.41\n192.168.20.42\n192.168.20.43\n192.168.20.44\n', ok: true, reload: true, messages: ['Node 3 is NEW'], added: [3] },
  { name: 'a changed address is refused', current: three, text: '192.168.20.41\n192.168.20.52\n192.168.20.43\n', ok: false, reload: false, messages: ['Node 1 has changed IP address (was 192.168.20.42, now 192.168.20.52)', 'ERROR: Nodes will not be reloaded due to previous error'] },
  { name: 'deleting a connected node is refused', current: three, text: '192.168.20.41\n#192.168.20.42\n192.168.20.43\n', ok: false, reload: false, messages: ['Node 1 is DELETED', 'ERROR: Node 1 is still connected', 'ERROR: Nodes will not be reloaded due to previous error'], deleted: [1] },
  { name: 'deleting a disconnected node is accepted', current: [three[0], n(1, '192.168.20.42', NODE_FLAGS_DISCONNECTED), three[2]], text: '192.168.20.41\n#192.168.20.42\n192.168.20.43\n', ok: true, reload: true, messages: ['Node 1 is DELETED'], deleted: [1] },
  { name: 'uncommenting a deleted node undeletes it', current: [three[0], n(1, '0.0.0.0', NODE_FLAGS_DELETED), three[2]], text: '192.168.20.41\n192.168.20.42\n192.168.20.43\n', ok: true, reload: true, messages: ['Node 1 is UNDELETED'], undeleted: [1] },
  { name: 'a removed line is refused', current: three, text: '192.168.20.41\n192.168.20.42\n', ok: false, reload: false, messages: ['Node 2 (192.168.20.43) missing from nodes file', 'ERROR: Nodes will not be reloaded due to previous error'] },
  { name: 'a comment added at the top shifts every PNN and is refused', current: three, text: '# Adding a comment!\n192.168.20.41\n192.168.20.42\n192.168.20.43\n', ok: false, reload: false, messages: ['Node 0 is DELETED', 'ERROR: Node 0 is still connected', 'Node 1 has changed IP address (was 192.168.20.42, now 192.168.20.41)', 'Node 2 has changed IP address (was 192.168.20.43, now 192.168.20.42)', 'ERROR: Nodes will not be reloaded due to previous error'], deleted: [0] },
  { name: 'a disconnected unchanged node is warned about', current: [three[0], n(1, '192.168.20.42', NODE_FLAGS_DISCONNECTED), three[2]], text: '192.168.20.41\n192.168.20.42\n192.168.20.43\n192.168.20.44\n', ok: true, reload: true, messages: ['WARNING: Node 1 is disconnected. You MUST fix this node manually!', 'Node 3 is NEW'], added: [3] },
]
for (const c of diffs) {
  t.test(`reloadnodes: ${c.name}`, async t => {
    const d = diffNodes(c.current, file(c.text))
    t.equal(d.ok, c.ok)
    t.equal(d.reload, c.reload)
    t.same(d.messages.map(m => m.text), c.messages)
    t.same(d.added, c.added ?? [])
    t.same(d.deleted, c.deleted ?? [])
    t.same(d.undeleted, c.undeleted ?? [])
  })
}
