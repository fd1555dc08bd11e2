import t from 'tap'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runStatusCallback } from '../../../engine/cluster/node/status-callback.js'
import { alive } from '../../../engine/events/kill.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'corral-status-cb-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })

// A small bash callback, executable, in the temp dir.
function script (name: string, body: string): string {
  const f = join(dir, name)
  writeFileSync(f, `#!/bin/bash\n${body}\n`)
  chmodSync(f, 0o755)
  return f
}

const state = { generation: 7, reason: 'test', victim: 2, nodes: [{ pnn: 0, flags: 0, connected: true }, { pnn: 1, flags: 2, connected: true }] }

t.test('a callback that prints {"exclude":[1]} excludes node 1', async t => {
  t.same(await runStatusCallback(script('one.sh', 'cat >/dev/null; echo \'{"exclude":[1]}\''), 5000, state), { ok: true, exclude: [1] })
})

t.test('the callback reads the cluster state as JSON on stdin', async t => {
  const seen = join(dir, 'stdin.json')
  const f = script('echo.sh', `in=$(cat); printf '%s' "$in" > ${seen}\nn=$(printf '%s' "$in" | sed -n 's/.*"victim":\\([0-9]*\\).*/\\1/p')\nprintf '{"exclude":[%s]}\\n' "$n"`)
  t.same(await runStatusCallback(f, 5000, state), { ok: true, exclude: [2] }, 'the field read from stdin came back')
  t.same(JSON.parse(readFileSync(seen, 'utf8')), state, 'exactly the state given')
})

t.test('a callback that prints nothing excludes nobody', async t => {
  t.same(await runStatusCallback(script('quiet.sh', 'exit 0'), 5000, state), { ok: true, exclude: [] })
  t.same(await runStatusCallback(script('blank.sh', 'printf "\\n  \\n"'), 5000, state), { ok: true, exclude: [] }, 'blank lines count as nothing')
  t.same(await runStatusCallback(script('noexclude.sh', 'echo "{}"'), 5000, state), { ok: true, exclude: [] }, 'an object without exclude too')
})

t.test('a callback that prints something that is not JSON fails, saying so', async t => {
  const r = await runStatusCallback(script('garbage.sh', 'echo "node 1 is down"'), 5000, state)
  t.equal(r.ok, false)
  t.match(r, { error: /not JSON/ })
})

t.test('an exclude that is not a list of node numbers fails', async t => {
  for (const out of ['{"exclude":["a"]}', '{"exclude":[-1]}', '{"exclude":1}', '{"exclude":[1.5]}', '5', '"x"']) {
    const r = await runStatusCallback(script('bad-exclude.sh', `echo '${out}'`), 5000, state)
    t.match(r, { ok: false, error: /exclude/ }, out)
  }
})

t.test('a bare list is not the expected object and fails rather than excluding nobody', async t => {
  const r = await runStatusCallback(script('bare-list.sh', 'echo "[1]"'), 5000, state)
  t.match(r, { ok: false, error: /exclude/ }, 'printed [1]')
})

t.test('a callback that prints null fails instead of crashing the daemon', async t => {
  // Run in a child process: the crash is an uncaught exception in a child-process event handler.
  const cb = script('null.sh', 'echo null')
  const runner = join(dir, 'runner.mts')
  writeFileSync(runner, `import { runStatusCallback } from ${JSON.stringify(join(root, 'engine/cluster/node/status-callback.ts'))}\nconsole.log(JSON.stringify(await runStatusCallback(process.argv[2], 5000, {})))\n`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', runner, cb], { cwd: root, encoding: 'utf8', timeout: 30_000 })
  t.equal(r.status, 0, `runner exit (stderr: ${r.stderr.split('\n').find(l => l.includes('Error')) ?? ''})`)
  t.match(r.stdout, /"ok":false/, 'reported as a failed callback')
})

t.test('a callback that exits 3 fails with "exit 3", whatever it printed', async t => {
  t.same(await runStatusCallback(script('exit3.sh', 'echo \'{"exclude":[1]}\'; exit 3'), 5000, state), { ok: false, error: 'exit 3' })
})

t.test('a callback killed by a signal says which', async t => {
  t.same(await runStatusCallback(script('selfkill.sh', 'kill -9 $$'), 5000, state), { ok: false, error: 'killed by SIGKILL' })
})

t.test('a callback that runs past its timeout is killed with its children, within timeout + 1 s', async t => {
  const parentPid = join(dir, 'parent.pid')
  const childPid = join(dir, 'child.pid')
  const f = script('hang.sh', `bash -c 'trap "" TERM; echo $$ > ${childPid}; sleep 30; true' &\necho $$ > ${parentPid}\nsleep 30`)
  const t0 = Date.now()
  const r = await runStatusCallback(f, 500, state)
  const ms = Date.now() - t0
  t.match(r, { ok: false, error: /timed out after 500 ms/ })
  t.ok(ms >= 450 && ms < 1500, `answered after ${ms} ms`)
  t.ok(existsSync(parentPid) && existsSync(childPid), 'both processes had started')
  const pids = [parentPid, childPid].map(p => Number(readFileSync(p, 'utf8').trim()))
  const until = Date.now() + 1000
  while (pids.some(alive) && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 20))
  t.same(pids.filter(alive), [], 'the callback and its TERM-ignoring child are gone')
})

t.test('a program that does not exist fails with "cannot run it"', async t => {
  const r = await runStatusCallback(join(dir, 'no-such-callback'), 5000, state)
  t.match(r, { ok: false, error: /^cannot run it: .*ENOENT/ })
})

t.test('a file that is not executable fails with "cannot run it"', async t => {
  const f = join(dir, 'plain.sh')
  writeFileSync(f, '#!/bin/bash\necho "{}"\n')
  chmodSync(f, 0o644)
  t.match(await runStatusCallback(f, 5000, state), { ok: false, error: /^cannot run it: .*EACCES/ })
})
