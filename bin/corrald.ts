#!/usr/bin/env node
// The corral daemon: parses its options, then engine/daemon composes and runs the components.
import { Command, Option } from 'commander'

const program = new Command('corrald')
  .description('corral daemon')
  .option('--config-dir <dir>', 'config directory (default /etc/corral, or CORRAL_CONFIG_DIR)')
  .option('--config <file>', 'config file (default <config dir>/corral.conf)')
  .option('--state-dir <dir>', 'override [paths] state dir')
  .option('--run-dir <dir>', 'override [paths] run dir')
  .option('--events-dir <dir>', 'override [paths] events dir')
  .option('--socket <path>', 'control socket (default <run dir>/corrald.sock)')
  .option('--pid-file <file>', 'write the daemon pid here (default <run dir>/corrald.pid)')
  .option('--log <location>', 'override [logging] location (e.g. stderr, file:/var/log/corral.log)')
  .option('--log-level <level>', 'override [logging] log level')
  .addOption(new Option('--events-only', 'run only the event runner and the control socket (no cluster)'))
  .option('-i, --interactive', 'log to stderr (same as --log stderr)')

program.parse(process.argv)
const o = program.opts<{
  configDir?: string, config?: string, stateDir?: string, runDir?: string, eventsDir?: string, socket?: string,
  pidFile?: string, log?: string, logLevel?: string, eventsOnly?: boolean, interactive?: boolean
}>()

const { runDaemon } = await import('../engine/daemon/index.js')
const code = await runDaemon({
  configDir: o.configDir,
  configFile: o.config,
  overrides: { stateDir: o.stateDir, runDir: o.runDir, eventsDir: o.eventsDir, socketPath: o.socket },
  pidFile: o.pidFile,
  logLocation: o.interactive === true ? 'stderr' : o.log,
  logLevel: o.logLevel,
  eventsOnly: o.eventsOnly === true,
})
if (code !== 0) process.exit(code)
