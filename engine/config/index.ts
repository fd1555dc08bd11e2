// Public API of the config component: the schema, defaults and the loader.
export * as defaults from './defaults.js'
export { SCHEMA, SCRIPT_TIMEOUTS_SECTION, type KeySpec, type KeyType } from './schema.js'
export { loadConfig, parseConfigText, type CorralConfig, type PathOverrides } from './load.js'
export { parseIni, type IniEntry } from './ini.js'
