// CTDB's 10.interface for corral: the built-in interface plugin (plugins/interface.plugin.ts).
// Shipped disabled; enable it with: corral event script enable legacy 10.interface
export { default } from '../../plugins/interface.plugin.ts'
