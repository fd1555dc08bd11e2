// Human-readable lines for an interactive terminal, through pino-pretty.
import { createRequire } from 'node:module'

type Prettify = (line: string) => string

// Why: loaded only when stderr is a terminal, so the daemon under systemd and the CLI do not pay for it.
export function prettifier (colorize: boolean): Prettify {
  const require = createRequire(import.meta.url)
  const { prettyFactory } = require('pino-pretty') as { prettyFactory: (o: Record<string, unknown>) => Prettify }
  return prettyFactory({
    colorize,
    customLevels: 'error:50,warning:40,notice:35,info:30,debug:20',
    customColors: 'error:red,warning:yellow,notice:green,info:blue,debug:gray',
    useOnlyCustomProps: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'hostname,program',
  })
}
