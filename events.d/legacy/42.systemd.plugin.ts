// The built-in systemd service plugin (plugins/services/systemd.plugin.ts); options in docs/services.md.
// Shipped disabled; enable it with: corral event script enable legacy 42.systemd
export { default } from '../../plugins/services/systemd.plugin.ts'
