// Public API of the cluster core: nodes file, node flags and their transitions, runstates,
// generations and banning credits, the failure detector, tunables and `status` output.
// Everything here is pure; the daemon and the CLI do the I/O.
export { canonicalAddress } from './address.js'
export {
  DELETED_ADDRESS, parseNodes, diffNodes, findNodeByAddress, listNodesText,
  type NodeInfo, type NodeEntry, type NodesDiff, type DiffMessage,
} from './nodes.js'
export {
  NODE_FLAGS_DISCONNECTED, NODE_FLAGS_UNHEALTHY, NODE_FLAGS_PERMANENTLY_DISABLED, NODE_FLAGS_BANNED,
  NODE_FLAGS_DELETED, NODE_FLAGS_STOPPED, NODE_FLAGS_UNKNOWN, NODE_FLAGS_DISABLED, NODE_FLAGS_INACTIVE,
  FLAG_NAMES, isInactive, canHostIps, canLead, flagsText, withUnknown, nodestatusExitCode, monitorMayRun,
  type NodeFlagsView, type MonitorGate,
} from './flags.js'
export {
  applyFlagChange, type FlagState, type FlagChange, type FlagOutcome, type FlagEffect, type AdminOp,
} from './flag-transitions.js'
export {
  Runstate, RecoveryMode, runstateName, parseRunstate, canTransition, eventOnEnter, eventAllowed, isRunning,
  EVENTS_ALLOWED_IN_RECOVERY, STARTUP_RETRY_S, type RunstateName, type RunstateEvent, type EventFailurePolicy,
} from './runstate.js'
export {
  INVALID_GENERATION, newGeneration, isStale, generationText, addCredits, nodesToBan, clearCredits,
  type RandomUint32, type Culprit, type BanBook, type BanTunables, type BanDecision,
} from './generation.js'
export { FailureDetector, type DetectorOptions } from './detector.js'
export {
  TUNABLES, OBSOLETE_TUNABLES, defaultTunables, findTunable, parseTunableValue, getvar, setvar, listvars, parseTunables,
  type TunableSpec, type Tunables, type GetvarResult, type SetvarResult,
} from './tunables.js'
export {
  NO_LOCK_WARNING, statusText, statusMachine, statusJson, nodestatus, vnnMapOf,
  type StatusSnapshot, type StatusNode, type StatusJson, type StatusJsonNode, type NodeSelection, type NodestatusResult,
} from './status-format.js'
