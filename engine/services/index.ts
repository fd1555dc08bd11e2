// Public API of service management helpers, published as `corral/services` for the built-in
// service plugins (plugins/services/) and for admins' own: port probes, /proc process lookup,
// waiting with a deadline, option parsing, generation fencing and detached start commands, and
// the default values of the built-in plugins' options.
export { probePort, probeReason, type PortProbe, type ProbeOptions } from './port.js'
export { findProcesses, processFromPidFile, anyAlive, PROC_DIR, type ProcessInfo, type ProcessQuery } from './proc.js'
export { waitUntil, type ReadyCheck, type WaitOptions, type WaitResult } from './wait.js'
export { ServiceOptionError, portOption, portsOption, numberOption, yesNoOption, requiredOption, listOption } from './options.js'
export { staleGeneration, ReconfigureMarks, type GenerationContext } from './fence.js'
export { startDetached, type Started } from './start.js'
export { degradedReason, type ServiceHealth } from './health.js'
export { NFS_RPC_SERVICES, SAMBA_PORTS, SERVICE_HOST, SERVICE_READY_TIMEOUT_S, SERVICE_STOP_TIMEOUT_S } from '../config/defaults.js'
