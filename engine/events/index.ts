// Public API of the event runner: run events, read results, list and enable scripts.
export { createEventRunner, type EventRunner, type EventRunnerOptions, type RunRequest, type RunnerEvents } from './runner.js'
export { openScriptDirectory, parseEntryFile, listEntries, type ScriptDirectory, type Entry } from './discovery.js'
export { parseScriptOptions, loadScriptOptions } from './options.js'
export { killProcessTree, findRunProcesses, alive, RUN_TOKEN_ENV } from './kill.js'
export { tsxImportUrl, type RunnerLog } from './process.js'
export { formatStatus, formatRunOutcome, formatScriptList, runExitCode, ctime, RUN_EXIT } from './format.js'
export * from './types.js'
