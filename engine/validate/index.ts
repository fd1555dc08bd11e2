// Public API of config validation: every problem in a node's files, the cluster-wide digest of
// them, drift between live nodes, and the control handlers for statistics and digests.
export { checkNodeFiles, type NodeFiles, type Problem } from './check.js'
export { CLUSTER_WIDE_SETTINGS, configDigest, type ConfigDigest } from './digest.js'
export { compareDigests, type Drift } from './drift.js'
export { statsHandlers } from './handlers.js'
