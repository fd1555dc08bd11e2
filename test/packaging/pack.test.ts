// The package as an admin gets it: `npm pack` (its prepack builds), `npm install -g` into a private
// prefix, then the installed `corral` and `corrald` are run: version, init, --help, an enabled
// shipped plugin through the installed daemon, and the systemd unit checked against the install.
//
// `npm pack` runs in a copy of the working tree (node_modules linked, not copied): its prepack
// rebuilds dist/, and doing that in the repository itself would pull dist/cli away from test
// files running at the same time.
import t from 'tap'
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { loadConfig } from '../../engine/config/index.js'
import { parseNodes } from '../../engine/cluster/index.js'

const ROOT = resolve(import.meta.dirname, '..', '..')
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string, version: string, bin: Record<string, string> }

// npm run by `npm test` exports npm_* settings (prefix, lifecycle, ...): the children must not inherit them.
const cleanEnv = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
  NODE_OPTIONS: '',
  CORRAL_SOCKET: '',
  CORRAL_CONFIG_DIR: '',
})

function run (cmd: string, args: string[], opts: { cwd?: string, timeoutMs?: number } = {}): SpawnSyncReturns<string> & { ms: number } {
  const t0 = Date.now()
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', env: cleanEnv(), timeout: opts.timeoutMs ?? 60_000 })
  return Object.assign(r, { ms: Date.now() - t0 })
}

const npmVersion = run('npm', ['--version'])
if (npmVersion.error !== undefined || npmVersion.status !== 0) {
  t.plan(0, `skipped: npm is not available (${npmVersion.error?.message ?? npmVersion.stderr.trim()})`)
} else {
  // A build, a pack and an install (from npm's cache when it can) take 15-60 s.
  t.setTimeout(300_000)
  const work = mkdtempSync(join(tmpdir(), 'corral-pack-'))
  const src = join(work, 'src')
  const prefix = join(work, 'prefix')
  t.teardown(() => rmSync(work, { recursive: true, force: true }))

  const skipTop = new Set(['node_modules', 'dist', '.git', '.tap', 'tmp'])
  cpSync(ROOT, src, { recursive: true, filter: from => !skipTop.has(relative(ROOT, from).split('/')[0]) && !from.endsWith('.log') })
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'))

  let tarball = ''
  let files: string[] = []

  t.test('npm pack builds the package and ships what an install needs, and no tests, benches or sources', async t => {
    const r = run('npm', ['pack', '--json', '--pack-destination', work], { cwd: src, timeoutMs: 180_000 })
    t.equal(r.status, 0, `npm pack: ${r.stderr.slice(-2000)}${r.stdout.slice(-2000)}`)
    t.comment(`npm pack (prepack: npm run build): ${r.ms} ms`)
    // Scripts run by prepack may print to stdout before npm's JSON; the JSON is the last top-level array.
    const at = r.stdout.lastIndexOf('\n[')
    const out = JSON.parse(at < 0 ? r.stdout : r.stdout.slice(at + 1)) as Array<{ filename: string, files: Array<{ path: string }>, size: number, unpackedSize: number }>
    tarball = join(work, out[0].filename)
    files = out[0].files.map(f => f.path)
    t.ok(existsSync(tarball), tarball)
    t.comment(`${out[0].filename}: ${files.length} files, ${out[0].size} bytes (${out[0].unpackedSize} unpacked)`)

    for (const bin of Object.values(PKG.bin)) t.ok(files.includes(bin.replace(/^\.\//, '')), `bin ${bin} is shipped`)
    for (const f of [
      'package.json', 'README.md', 'etc/corrald.service', 'etc/corral.conf', 'docs/install.md', 'docs/migration-from-ctdb.md', 'docs/config.md',
      'events.d/legacy/10.interface.plugin.ts', 'plugins/interface.plugin.ts', 'dist/engine/events/plugin-api.js', 'dist/engine/events/plugin-api.d.ts',
      'dist/engine/cluster/lock/file-helper.js', 'dist/engine/cluster/lock/etcd-helper.js',
    ]) t.ok(files.includes(f), `${f} is shipped`)

    t.same(files.filter(f => /^(dist\/)?(test|bench)\//.test(f)), [], 'no tests or benchmarks, built or not')
    // TypeScript that is shipped on purpose: declarations for plugin authors and the plugins the
    // plugin host loads through tsx (the shipped events link to them).
    t.same(files.filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts') && !/^(plugins|events\.d)\/.*\.ts$/.test(f)), [], 'no other .ts sources')
    t.same(files.filter(f => /^(bin|engine|protocol\/gen|scripts)\//.test(f)), [], 'no source trees (bin, engine, protocol/gen, scripts)')
  })

  t.test('npm install -g of the tarball gives working corral and corrald', async t => {
    t.ok(tarball !== '', 'the pack step made a tarball')
    if (tarball === '') return
    // --prefer-offline: dependencies come from npm's cache when they are there, else from the registry.
    const r = run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { timeoutMs: 240_000 })
    t.equal(r.status, 0, `npm install -g: ${r.stderr.slice(-2000)}`)
    t.comment(`npm install -g --prefer-offline: ${r.ms} ms`)
    const corral = join(prefix, 'bin', 'corral')
    const corrald = join(prefix, 'bin', 'corrald')
    const pkgDir = join(prefix, 'lib', 'node_modules', PKG.name)

    const v = run(corral, ['version'])
    t.equal(v.status, 0, v.stderr)
    t.equal(v.stdout, `corral ${PKG.version}\n`)

    const etc = join(work, 'etc')
    const init = run(corral, ['init', '--config-dir', etc, '--nodes', '127.0.0.1'])
    t.equal(init.status, 0, init.stderr)
    t.match(init.stdout, `Wrote a starter config in ${etc}`)
    t.match(init.stdout, `Step by step: ${join(pkgDir, 'docs', 'install.md')}`, 'points at the installed docs')
    t.ok(existsSync(join(pkgDir, 'docs', 'install.md')))
    t.equal(loadConfig({ configDir: etc, env: {} }).cluster.port, 4380, 'the written corral.conf loads')
    t.same(parseNodes(readFileSync(join(etc, 'nodes'), 'utf8')).map(n => n.address), ['127.0.0.1'])
    t.equal(lstatSync(join(etc, 'cluster.key')).mode & 0o777, 0o600)
    const again = run(corral, ['init', '--config-dir', etc])
    t.equal(again.status, 64, 'a second init refuses')

    const help = run(corrald, ['--help'])
    t.equal(help.status, 0, help.stderr)
    for (const flag of ['--config-dir', '--config', '--state-dir', '--run-dir', '--events-dir', '--socket', '--pid-file', '--log', '--log-level', '--events-only', '--interactive']) {
      t.match(help.stdout, flag, `corrald --help lists ${flag}`)
    }

    // The shipped interface plugin, enabled as docs/install.md says, runs in the installed daemon
    // (plugin host, tsx, the package's self-reference `corral/plugin`).
    const socket = join(work, 'run', 'corrald.sock')
    const g = ['--config-dir', etc, '--socket', socket]
    const en = run(corral, [...g, 'event', 'script', 'enable', 'legacy', '10.interface'])
    t.equal(en.status, 0, en.stderr)
    const link = join(etc, 'events.d', 'legacy', '10.interface.plugin.ts')
    const shipped = join(pkgDir, 'events.d', 'legacy', '10.interface.plugin.ts')
    t.equal(readlinkSync(link), shipped, 'linked from the installed package')
    t.match(run(corral, [...g, 'event', 'script', 'list', 'legacy']).stdout, /^\* +10\.interface/m, 'and enabled by the link (CTDB\'s model)')
    writeFileSync(join(etc, 'events.d', 'legacy', '10.interface.options'), 'INTERFACES=lo\n')
    mkdirSync(join(work, 'state'), { recursive: true })
    const daemon = spawn(corrald, ['--config-dir', etc, '--run-dir', join(work, 'run'), '--state-dir', join(work, 'state'), '--log', `file:${join(work, 'corrald.log')}`, '--events-only'],
      { stdio: 'ignore', env: cleanEnv() })
    t.teardown(() => { if (daemon.exitCode === null) daemon.kill('SIGKILL') })
    const end = Date.now() + 20_000
    while (!existsSync(socket) && daemon.exitCode === null && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 50))
    t.ok(existsSync(socket), 'the installed corrald serves its control socket')
    const ping = run(corral, [...g, 'ping'])
    t.equal(ping.status, 0, ping.stderr)
    const mon = run(corral, [...g, 'event', 'run', 'legacy', 'monitor'])
    t.equal(mon.status, 0, `monitor: ${mon.stderr}`)
    const st = run(corral, [...g, 'event', 'status', 'legacy', 'monitor'])
    t.match(st.stdout, /^10\.interface +OK /m, 'the plugin ran')
    writeFileSync(join(etc, 'events.d', 'legacy', '10.interface.options'), 'INTERFACES=corral-none0\n')
    const bad = run(corral, [...g, 'event', 'run', 'legacy', 'monitor'])
    t.equal(bad.status, 8, 'and its verdict counts: a missing interface fails the monitor')
    const exited = new Promise(resolve => daemon.once('exit', resolve))
    daemon.kill('SIGTERM')
    await exited
    t.equal(daemon.exitCode, 0, 'corrald stops cleanly on SIGTERM')

    // The unit as shipped, with ExecStart pointed at this install: systemd's own checker accepts it.
    const analyze = run('systemd-analyze', ['--version'])
    if (analyze.error !== undefined || analyze.status !== 0) {
      t.comment('systemd-analyze not available: the unit is not verified')
      return
    }
    const unit = readFileSync(join(pkgDir, 'etc', 'corrald.service'), 'utf8')
    t.match(unit, /^ExecStart=\/usr\/bin\/corrald$/m)
    const unitDir = join(work, 'unit')
    mkdirSync(unitDir)
    writeFileSync(join(unitDir, 'corrald.service'), unit.replace(/^ExecStart=.*$/m, `ExecStart=${corrald}`))
    const verify = run('systemd-analyze', ['verify', join(unitDir, 'corrald.service')])
    t.equal(verify.status, 0, `systemd-analyze verify: ${verify.stderr}`)
    t.equal(verify.stderr.trim(), '', 'no warnings')
  })
}
