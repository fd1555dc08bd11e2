// Public API of the live cluster member (links, heartbeats, leader, recovery, admin states).
export { ClusterNode, type ClusterEvents, type RunEvent, type NodeLog } from './node.js'
export { controlHandlers, forwardHandler } from './control.js'
export { readClusterKey } from './auth.js'
