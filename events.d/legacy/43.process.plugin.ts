// The built-in process service plugin (plugins/services/process.plugin.ts); options in docs/services.md.
// Shipped disabled; enable it with: corral event script enable legacy 43.process
export { default } from '../../plugins/services/process.plugin.ts'
