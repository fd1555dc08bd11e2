// Public API of the cluster lock: the daemon-side handle, the config parser, the contract types.
export { ClusterLock, validateLockConfig, type ClusterLockOptions, type TakeOptions } from './cluster-lock.js'
export { parseLockConfig, type HelperCommand, type LockKind, type LockConfigOptions } from './config.js'
export { parseEtcdLockUrl, type EtcdLockTarget } from './etcd-url.js'
export { HELPER_CHAR, type ClusterLockEvents, type LockLogger, type LockLost, type LockStatus, type TakeResult } from './types.js'
