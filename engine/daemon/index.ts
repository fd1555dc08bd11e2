// Public API of the daemon: compose the components a node runs and serve the control socket.
export { runDaemon, type DaemonOptions } from './run.js'
