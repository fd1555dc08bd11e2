// Public API of public-address management: allocation, the node's address table, takeover runs.
export { addressKey, compareKeysDesc, distance, requireAddress, type Key } from './address.js'
export { allocate, HOSTING_FORBIDDEN, type Algorithm, type AllocationInput, type AllocationResult } from './alloc.js'
export { runIpPlan, type PlanOptions } from './plan.js'
export { IFACE_RE, parsePublicAddresses, type PublicAddress } from './public-addresses.js'
export { canonicalIp, kernelBackend, recordedBackend, type AddressBackend } from './kernel.js'
export { NodeIps, type IfaceState, type StepDone, type Vnn } from './node-ips.js'
export { planTakeover, takeoverRun, TakeoverError, type ReportedIp, type TakeoverDeps, type TakeoverPlanInput, type TakeoverResult } from './takeover.js'
