// Public API of public-address management (so far: the pure allocation algorithms and `ip plan`).
export { addressKey, compareKeysDesc, distance, type Key } from './address.js'
export { allocate, HOSTING_FORBIDDEN, type Algorithm, type AllocationInput, type AllocationResult } from './alloc.js'
export { runIpPlan, type PlanOptions } from './plan.js'
export { parsePublicAddresses, type PublicAddress } from './public-addresses.js'
