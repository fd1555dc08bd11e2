// The built-in nfs service plugin (plugins/services/nfs.plugin.ts); options in docs/services.md.
// Shipped disabled; enable it with: corral event script enable legacy 60.nfs
export { default } from '../../plugins/services/nfs.plugin.ts'
