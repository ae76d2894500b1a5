// tus 1.0 conformance against peers from the npm registry, not written by us:
// - tus-js-client (its defaults: one PATCH for the whole file) uploading to our office, an upload
//   cut mid-way and resumed, and a client whose https agent caches and resumes TLS sessions;
// - our uploader (`kioskctl outbox send`) sending to @tus/server with @tus/file-store over HTTPS
//   with a client certificate required.
// Paths come from the environment ctest sets: KIOSK_SOURCE_DIR, KIOSK_BUILD_DIR.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';
import * as tus from 'tus-js-client';

const source = process.env.KIOSK_SOURCE_DIR;
const build = process.env.KIOSK_BUILD_DIR;
if (!source || !build) throw new Error('KIOSK_SOURCE_DIR and KIOSK_BUILD_DIR must be set (ctest sets them)');

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-tus-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));
const pki = path.join(scratch, 'pki');
execFileSync(path.join(source, 'tools', 'make-sim-pki'), [pki, 'KIOSK-7']);
const read = (name) => fs.readFileSync(path.join(pki, name));
const kioskTls = { ca: read('ca.pem'), cert: read('kiosk-KIOSK-7.pem'), key: read('kiosk-KIOSK-7.key') };

// Seals a packet of `bytes` random bytes into the outbox in `stateDir`; its id, hash, file.
function seal(stateDir, bytes) {
  const file = path.join(scratch, `packet-${crypto.randomUUID()}.cms`);
  const out = execFileSync(path.join(build, 'tests', 'seal_packet'),
    [path.join(stateDir, 'outbox'), pki, 'KIOSK-7', String(bytes), file]).toString().trim().split(' ');
  return { id: out[0], sha256: out[1], file, length: Number(out[2]) };
}

// Our office on a free port; stopped at the end of the test.
async function startOffice(t) {
  const store = fs.mkdtempSync(path.join(scratch, 'office-'));
  const office = spawn(path.join(build, 'sync', 'kiosk-office'),
    ['serve', '--store', store, '--pki', pki, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => office.kill('SIGTERM'));
  const port = await new Promise((resolve, reject) => {
    let said = '';
    office.stdout.on('data', (d) => {
      said += d;
      const m = /listening on [\d.]+:(\d+)/.exec(said);
      if (m) resolve(Number(m[1]));
    });
    office.on('exit', (code) => reject(new Error(`kiosk-office exited ${code}`)));
  });
  return { port, store, pid: office.pid };
}

// The most memory the process `pid` has held resident (VmHWM), in bytes.
function peakResident(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

// GET /packets/ID on our office: whether it accepted the packet.
function packetState(port, id, agent) {
  return new Promise((resolve, reject) => {
    https.get({ host: 'localhost', port, path: `/packets/${id}`, agent, ...kioskTls }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

// Uploads `packet` with tus-js-client; resolves with every request it made.
function tusUpload(port, packet, { agent, onProgress, upload: extra = {} } = {}) {
  const requests = [];
  const upload = new tus.Upload(fs.readFileSync(packet.file), {
    endpoint: `https://localhost:${port}/files`,
    metadata: { packet_id: packet.id, sha256: packet.sha256 },
    httpStack: new tus.DefaultHttpStack({ ...kioskTls, ...(agent ? { agent } : {}) }),
    retryDelays: [0, 200, 500, 1000, 2000],
    onBeforeRequest: (req) => {
      requests.push({ method: req.getMethod(), offset: req.getHeader('Upload-Offset') });
    },
    onProgress,
    ...extra,
  });
  const done = new Promise((resolve, reject) => {
    upload.options.onSuccess = () => resolve(requests);
    upload.options.onError = reject;
  });
  return { upload, done, requests };
}

test('tus-js-client with its defaults sends a whole packet in one PATCH and the office accepts it, never holding it whole', async (t) => {
  const { port, pid } = await startOffice(t);
  const packet = seal(path.join(scratch, 'kiosk-a'), 64 * 1000 * 1000);
  const { upload, done } = tusUpload(port, packet);
  upload.start();
  const requests = await done;
  assert.deepEqual(requests.map((r) => r.method), ['POST', 'PATCH'], 'one POST, one PATCH');
  assert.equal((await packetState(port, packet.id)).state, 'received');
  // The body streamed to disk and the finished packet checked as a stream (decrypted, its
  // signature and every part's hash): the office's peak memory stays far below the packet's size.
  // (Not in the sanitizer build: AddressSanitizer keeps freed blocks in quarantine, up to 256 MB,
  // so its peak says nothing of the product's.)
  const peak = peakResident(pid);
  if (process.env.KIOSK_SANITIZED === '1') t.diagnostic(`sanitizer build: peak ${peak} bytes, not checked`);
  else assert.ok(peak < packet.length / 2, `the office held ${peak} bytes at its peak for a ${packet.length}-byte packet`);
});

// A TCP relay to the office that ends the first connection after `cutAfter` bytes from the
// client, as a link that drops mid-upload: the office gets an orderly end of what arrived, the
// client a connection closed without an answer. Later connections pass whole.
async function startRelay(t, target, cutAfter) {
  let connections = 0;
  const relay = net.createServer((client) => {
    const first = connections++ === 0;
    const office = net.connect(target, '127.0.0.1');
    let passed = 0;
    client.on('data', (d) => {
      if (!first || passed + d.length <= cutAfter) {
        passed += d.length;
        office.write(d);
        return;
      }
      office.end(d.subarray(0, cutAfter - passed));
      passed = cutAfter;
      client.destroy();
    });
    office.on('data', (d) => { if (!client.destroyed) client.write(d); });
    client.on('error', () => office.end());
    office.on('error', () => client.destroy());
    client.on('end', () => office.end());
    office.on('end', () => client.end());
  });
  await new Promise((r) => relay.listen(0, '127.0.0.1', r));
  t.after(() => relay.close());
  return relay.address().port;
}

test('an upload cut mid-way resumes where the office says it stopped', async (t) => {
  const { port } = await startOffice(t);
  const relayPort = await startRelay(t, port, 4 * 1000 * 1000);
  const packet = seal(path.join(scratch, 'kiosk-b'), 12 * 1000 * 1000);
  const { upload, done } = tusUpload(relayPort, packet);
  upload.start();
  const requests = await done;  // tus-js-client's own retry after the cut
  const methods = requests.map((r) => r.method);
  assert.deepEqual(methods.slice(0, 3), ['POST', 'PATCH', 'HEAD'], 'after the cut it asks the offset');
  // The last PATCH is the one that finished. (One between may be refused 423 if the client asks
  // before the office has noticed the cut and kept its bytes; the client asks again.)
  const last = Number(requests.filter((r) => r.method === 'PATCH').at(-1).offset);
  assert.ok(last > 3 * 1000 * 1000 && last < 4 * 1000 * 1000,
    `the office kept what arrived before the cut and the client went on from there (${last}; ${JSON.stringify(requests)})`);
  const state = await packetState(port, packet.id);
  assert.equal(state.state, 'received', state.error);
});

test('a client whose https agent caches TLS sessions resumes them with the office', async (t) => {
  const { port } = await startOffice(t);
  const packet = seal(path.join(scratch, 'kiosk-c'), 3 * 1000 * 1000);
  // No keep-alive: every request is a new connection, each offering the cached session.
  const agent = new https.Agent({ keepAlive: false, maxCachedSessions: 10 });
  const reused = [];
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = create(options, callback);
    socket.once('secureConnect', () => reused.push(socket.isSessionReused()));
    return socket;
  };
  const { upload, done } = tusUpload(port, packet, { agent, upload: { chunkSize: 1000 * 1000 } });
  upload.start();
  const requests = await done;
  assert.ok(requests.length >= 4, 'several requests, each on its own connection');
  assert.equal(reused[0], false, 'the first connection is a full handshake');
  assert.ok(reused.slice(1).every(Boolean), `every later connection resumed its session (${reused})`);
  assert.equal((await packetState(port, packet.id, agent)).state, 'received');
});

test('our uploader delivers to @tus/server with @tus/file-store, over HTTPS with a client certificate', async (t) => {
  const files = path.join(scratch, 'tus-files');
  const hosts = [];
  const tusServer = new Server({ path: '/files', datastore: new FileStore({ directory: files }) });
  const server = https.createServer({
    key: read('office-tls.key'), cert: read('office-tls.pem'), ca: read('ca.pem'),
    requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3',
  }, (req, res) => {
    hosts.push(req.headers.host);
    tusServer.handle(req, res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const { port } = server.address();

  const kioskDir = path.join(scratch, 'kiosk-d');
  const packet = seal(path.join(kioskDir, 'state'), 3 * 1000 * 1000);
  const config = path.join(kioskDir, 'kiosk.json');
  fs.writeFileSync(config, JSON.stringify({
    kiosk: { id: 'KIOSK-7', state_dir: path.join(kioskDir, 'state') },
    camera: {},
    usb: { device_table: path.join(source, 'config', 'defaults', 'devices.json') },
    sync: {
      enabled: true, office_host: 'localhost', office_port: port, office_ca: path.join(pki, 'ca.pem'),
      certificate: path.join(pki, 'kiosk-KIOSK-7.pem'), key: path.join(pki, 'kiosk-KIOSK-7.key'),
      office_packet_certificate: path.join(pki, 'office-packet.pem'), chunk_kib: 1024,
    },
  }));
  const kioskctl = path.join(build, 'kiosk', 'kioskctl');
  const sent = await new Promise((resolve) => {
    const p = spawn(kioskctl, ['outbox', 'send', '--config', config]);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('exit', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
  assert.equal(sent.code, 0, sent.out);
  assert.match(sent.out, new RegExp(`${packet.id} .* delivered`));
  assert.ok(hosts.length > 0 && hosts.every((h) => h === `localhost:${port}`), `Host carries the port: ${hosts}`);
  const stored = fs.readdirSync(files).filter((f) => !f.endsWith('.json'));
  assert.equal(stored.length, 1);
  const digest = crypto.createHash('sha256').update(fs.readFileSync(path.join(files, stored[0]))).digest('hex');
  assert.equal(digest, packet.sha256, 'the stored file is the packet, byte for byte');
  const status = execFileSync(kioskctl, ['outbox', 'status', '--config', config]).toString();
  assert.match(status, /nothing waiting/);
});
