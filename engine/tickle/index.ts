// Public API of tickle ACKs: connection lists per public address, the helper that sends the packets,
// and the per-node component that polls, pushes and tickles. See docs/tickle.md.
export { connectionKey, formatEndpoint, normalizeIp, parseConnectionLines, parseEndpoint, parseSsEstablished, requireConnection, requireEndpoint, type Connection, type Endpoint } from './connection.js'
export { TickleTable, type Change } from './table.js'
export { runTickleHelper, type HelperOptions } from './helper.js'
export { NodeTickles, type NodeTicklesComponents, type TickleEvents, type TickleLog, type TickleRun } from './node-tickles.js'
export { pollEstablished } from './poll.js'
