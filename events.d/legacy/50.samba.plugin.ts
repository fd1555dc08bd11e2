// The built-in samba service plugin (plugins/services/samba.plugin.ts); options in docs/services.md.
// Shipped disabled; enable it with: corral event script enable legacy 50.samba
export { default } from '../../plugins/services/samba.plugin.ts'
