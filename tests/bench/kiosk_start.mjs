// The kiosk's cold start and its memory during a session (issue 8's speed figures), measured, not
// asserted. Run from the source tree after a build:
//   KIOSK_SOURCE_DIR=$PWD KIOSK_BUILD_DIR=$PWD/build node tests/bench/kiosk_start.mjs [runs]
// Cold start: from spawning the kiosk to its screen answering (GET / gives the page), and on to the
// devices answered (the welcome screen's Start offered). Memory: the kiosk's resident set, sampled
// every 20 ms while a whole session runs through the screen's actions (peak and VmHWM), and on
// reaching each step. BENCH_ENV=NAME=VALUE sets one more environment variable for the kiosk (an
// allocator setting to try, e.g. MALLOC_ARENA_MAX=2).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { build, source, freePort, kioskConfig } from '../e2e/harness.mjs';

const runs = Number(process.argv[2] ?? 7);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-bench-'));
const pki = path.join(dir, 'pki');
execFileSync(path.join(source, 'tools', 'make-sim-pki'), [pki, 'E2E-KIOSK'], { stdio: 'ignore' });

function request(port, method, target, body) {
  return new Promise((resolve) => {
    const r = http.request({ host: '127.0.0.1', port, method, path: target,
      headers: { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}`, 'Content-Type': 'application/json' } },
    (res) => { let data = ''; res.on('data', (d) => { data += d; }); res.on('end', () => resolve({ status: res.statusCode, data })); });
    r.on('error', () => resolve({ status: 0, data: '' }));
    if (body) r.write(JSON.stringify(body));
    r.end();
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rssKib = (pid, field) => Number((fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+)`)) || [])[1]);

async function startKiosk() {
  const uiPort = await freePort();
  const configFile = path.join(dir, 'kiosk.json');
  fs.writeFileSync(configFile, JSON.stringify(kioskConfig({ dir, pki, officePort: await freePort(), uiPort })));
  const t0 = performance.now();
  const env = { ...process.env };
  if (process.env.BENCH_ENV) {
    const [name, value] = process.env.BENCH_ENV.split('=');
    env[name] = value;
  }
  const kiosk = spawn(path.join(build, 'kiosk', 'kiosk'), ['--config', configFile], { stdio: 'ignore', env });
  let ui = null;
  let ready = null;
  while (ready === null) {
    if (ui === null && (await request(uiPort, 'GET', '/')).status === 200) ui = performance.now() - t0;
    if (ui !== null) {
      const view = await request(uiPort, 'GET', '/api/view');
      if (view.status === 200 && JSON.parse(view.data).devices_ready) ready = performance.now() - t0;
    }
    if (performance.now() - t0 > 240000) throw new Error('the kiosk did not start');
    await sleep(5);
  }
  return { kiosk, uiPort, ui, ready };
}

async function stop(kiosk) {
  kiosk.kill('SIGTERM');
  await new Promise((r) => kiosk.on('exit', r));
}

// Warm-up: the first start makes the rig's files and fills the page cache.
await stop((await startKiosk()).kiosk);
const ui = [];
const ready = [];
for (let i = 0; i < runs; ++i) {
  const k = await startKiosk();
  ui.push(k.ui);
  ready.push(k.ready);
  await stop(k.kiosk);
}
console.log(`cold start to the screen answering: median ${median(ui).toFixed(0)} ms (${ui.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`cold start to the devices answered: median ${median(ready).toFixed(0)} ms (${ready.map((x) => x.toFixed(0)).join(', ')})`);

// A whole session through the screen's actions, the resident set sampled throughout.
const k = await startKiosk();
const stages = [];
stages.push(`ready ${(rssKib(k.kiosk.pid, 'VmRSS') / 1024).toFixed(0)}`);
let peak = 0;
let stagePeak = 0;
const sampler = setInterval(() => {
  const rss = rssKib(k.kiosk.pid, 'VmRSS');
  peak = Math.max(peak, rss);
  stagePeak = Math.max(stagePeak, rss);
}, 20);
const act = (action, extra = {}) => request(k.uiPort, 'POST', '/api/action', { action, ...extra });
const view = async () => JSON.parse((await request(k.uiPort, 'GET', '/api/view')).data);
const until = async (step) => {
  for (let i = 0; i < 3000; ++i) {
    const v = await view();
    if (v.step === step) {
      stages.push(`${step} ${(rssKib(k.kiosk.pid, 'VmRSS') / 1024).toFixed(0)} (peak on the way ${(stagePeak / 1024).toFixed(0)})`);
      stagePeak = 0;
      return v;
    }
    await sleep(100);
  }
  throw new Error(`step ${step} not reached`);
};
await act('start');
await act('service', { id: 'visa-l' });
await act('scan');
await until('consent');
await act('consent', { given: true });
const documents = await until('documents');
for (const p of documents.checklist) {
  if (!p.required) { await act('paper_skip', { id: p.id }); continue; }
  await act('scan', { id: p.id });
  while ((await view()).paper?.pages !== 1) await sleep(100);
  await act('paper_done', { id: p.id });
  while ((await view()).checklist.find((x) => x.id === p.id).state !== 'handed') await sleep(100);
}
await act('papers_done');
await until('review');
await act('submit');
await until('receipt');
clearInterval(sampler);
const hwm = rssKib(k.kiosk.pid, 'VmHWM');
console.log(`resident memory (MiB) on reaching each step: ${stages.join(', ')}`);
console.log(`resident memory during a whole session: peak ${(peak / 1024).toFixed(0)} MiB sampled, VmHWM ${(hwm / 1024).toFixed(0)} MiB`);
await stop(k.kiosk);
fs.rmSync(dir, { recursive: true, force: true });
