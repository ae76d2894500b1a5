// Starts the real central-office server and the real kiosk on its simulated devices, each on a
// free port with its own state, and Debian's Chromium driven by playwright-core. Paths come from
// the environment ctest sets: KIOSK_SOURCE_DIR, KIOSK_BUILD_DIR.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const source = process.env.KIOSK_SOURCE_DIR;
export const build = process.env.KIOSK_BUILD_DIR;
if (!source || !build) throw new Error('KIOSK_SOURCE_DIR and KIOSK_BUILD_DIR must be set (ctest sets them)');

export const artefacts = path.join(build, 'tests', 'e2e-artefacts');
// The rig's generated devices' files, kept between runs: made once, then a start is quick.
export const simDir = path.join(build, 'tests', 'e2e-sim');

// The kiosk's configuration for a rig in `dir`: the simulated devices, the office on
// `officePort`, the screen on `uiPort`.
export function kioskConfig({ dir, pki, officePort, uiPort, ui = {}, printer = null, simulation = {}, sync = {}, camera = {} }) {
  fs.mkdirSync(simDir, { recursive: true });
  return {
    kiosk: { id: 'E2E-KIOSK', state_dir: path.join(dir, 'state'), log_level: 'info' },
    simulation: {
      enabled: true, dir: simDir, face_source: path.join(source, 'var', 'public-data', 'astronaut.png'), seed: 1, ...simulation,
    },
    fingerprint: { drivers: ['virtual_image'], virtual_image_socket: path.join(dir, 'fp.sock'), resolution_ppi: 500 },
    scanner: { device: 'pnm:0', sane_config_dir: path.join(simDir, 'sane'), resolution_dpi: 300, mode: 'Color' },
    camera: { source: 'file', location: path.join(simDir, 'photo-session.avi'), width: 1280, height: 720, fps: 15, pace_to_fps: true, ...camera },
    services: path.join(source, 'config', 'defaults', 'services.json'),
    usb: { enabled: false, device_table: path.join(source, 'config', 'defaults', 'devices.json') },
    sync: {
      enabled: true, office_host: 'localhost', office_port: officePort,
      office_ca: path.join(pki, 'ca.pem'),
      certificate: path.join(pki, 'kiosk-E2E-KIOSK.pem'), key: path.join(pki, 'kiosk-E2E-KIOSK.key'),
      office_packet_certificate: path.join(pki, 'office-packet.pem'), heartbeat_s: 10, ...sync,
    },
    ui: {
      enabled: true, port: uiPort,
      web: path.join(source, 'kiosk', 'web'), messages: path.join(source, 'kiosk', 'messages'), ...ui,
    },
    ...(printer ? { printer: { destination: 'receipts', server: printer } } : {}),
  };
}

// Polls `check` every `every` ms until it holds or `ms` pass; whether it held.
export async function until(check, ms, every = 500) {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, every))) {
    if (check()) return true;
  }
  return Boolean(check());
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function waitForLine(child, pattern, ms, what) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${ms} ms:\n${seen}`)), ms);
    const look = (chunk) => {
      seen += chunk.toString();
      const m = seen.match(pattern);
      if (m) { clearTimeout(timer); resolve(m); }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited with ${code}:\n${seen}`)); });
  });
}

export class Rig {
  // ui, simulation, sync, camera: overrides for those sections of the kiosk's configuration (e.g. short idle
  // times). printer: a simulated receipt printer (tools/sim-printer; it needs root, and
  // rig.printed is null without it).
  static async start({ ui = {}, simulation = {}, sync = {}, camera = {}, printer = false } = {}) {
    const rig = new Rig();
    rig.screens = [];
    rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-e2e-'));
    let printerSocket = null;
    rig.printed = null;
    if (printer && process.getuid() === 0) {
      printerSocket = execFileSync(path.join(source, 'tools', 'sim-printer'), ['start', path.join(rig.dir, 'printer')],
        { encoding: 'utf8' }).trim();
      rig.printed = path.join(rig.dir, 'printer', 'printed');
    }
    rig.pki = path.join(rig.dir, 'pki');
    execFileSync(path.join(source, 'tools', 'make-sim-pki'), [rig.pki, 'E2E-KIOSK'], { stdio: 'ignore' });
    const officePort = await freePort();
    rig.officeStore = path.join(rig.dir, 'office');
    rig.office = spawn(path.join(build, 'sync', 'kiosk-office'),
      ['serve', '--store', rig.officeStore, '--pki', rig.pki, '--port', String(officePort)]);
    rig.office.stdout.on('data', () => {});
    await waitForLine(rig.office, /listening on/, 20000, 'the office');

    rig.uiPort = await freePort();
    const config = kioskConfig({
      dir: rig.dir, pki: rig.pki, officePort, uiPort: rig.uiPort, ui, simulation, sync, camera, printer: printerSocket,
    });
    rig.configFile = path.join(rig.dir, 'kiosk.json');
    fs.writeFileSync(rig.configFile, JSON.stringify(config, null, 2));
    rig.log = '';
    rig.kiosk = spawn(path.join(build, 'kiosk', 'kiosk'), ['--config', rig.configFile]);
    rig.kiosk.stdout.on('data', (d) => { rig.log += d; });
    rig.kiosk.stderr.on('data', (d) => { rig.log += d; });
    // The first start makes the rig's files (the camera's video most of all).
    await waitForLine(rig.kiosk, /applicant screen at (\S+)/, 240000, 'the kiosk');
    rig.url = `http://127.0.0.1:${rig.uiPort}/`;

    fs.mkdirSync(artefacts, { recursive: true });
    rig.browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
    // The kiosk's screen: 1080×1920, portrait.
    // (A context of its own: axe-core's runner needs one.)
    rig.context = await rig.browser.newContext({ viewport: { width: 1080, height: 1920 } });
    rig.page = await rig.context.newPage();
    rig.errors = [];
    rig.page.on('pageerror', (e) => rig.errors.push(e.message));
    await rig.page.goto(rig.url);
    // The devices answered: Start, or the reason no applicant can start.
    await rig.page.waitForSelector('[data-action=start], [data-action=status_lookup]', { timeout: 60000 });
    return rig;
  }

  async step(name, { ms = 60000, shot = null } = {}) {
    try {
      await this.page.waitForFunction((s) => document.body.dataset.step === s, name, { timeout: ms });
    } catch (e) {
      const view = await this.view();
      // The step, the prompt and the flags first: the fingers and the checklist are long.
      const { step, prompt, notice, busy, ...rest } = view || {};
      throw new Error(`step ${name} not reached: ${JSON.stringify({ step, prompt, notice, busy, ...rest }).slice(0, 3000)}\n${this.log.slice(-3000)}`);
    }
    if (shot) await this.page.screenshot({ path: path.join(artefacts, `${shot}.png`) });
    // What the screen says on arrival, to check later that it was spoken.
    const said = await this.page.evaluate(() => ({
      title: document.querySelector('main h1')?.textContent ?? '',
      prompt: document.querySelector('main .prompt')?.textContent ?? '',
    }));
    this.screens.push({ step: name, ...said });
  }

  // From the welcome screen through the passport page, consent (a tourist visa) and the photo to
  // the fingers.
  async toFingerprints() {
    await this.page.click('[data-action=start]');
    await this.step('service');
    await this.page.click('[data-service=visa-l]');
    await this.step('data_page');
    await this.page.click('[data-action=scan]');
    await this.step('consent', { ms: 60000 });
    await this.page.click('[data-action=consent] >> nth=0');
    await this.acceptPhoto();
    await this.step('fingerprints', { ms: 30000 });
  }

  // At the photo step: waits for the photo to be taken and shown, and accepts it.
  async acceptPhoto() {
    await this.step('photo');
    await this.page.waitForSelector('[data-action=photo_accept]', { timeout: 90000 });
    await this.page.click('[data-action=photo_accept]');
  }

  // Cancel, then "yes" to the question it asks: back to the welcome screen.
  async cancelSession() {
    await this.page.click('#cancel');
    await this.page.click('#confirm [data-choice="cancel.yes"]');
    await this.step('welcome');
  }

  view() {
    return this.page.evaluate(() => fetch('/api/view', { headers: { 'X-Kiosk-Token': kioskToken() } }).then((r) => r.json()));
  }

  // What the office says about a tracking code: "open" once the packet is stored there.
  officeStatus(code) {
    try {
      return execFileSync(path.join(build, 'sync', 'kiosk-office'),
        ['status', code, '--store', this.officeStore, '--pki', this.pki], { encoding: 'utf8' });
    } catch (e) {
      return '';
    }
  }

  // The health report the kiosk last sent the office with its heartbeat (null before the first).
  officeHealth() {
    try {
      const out = execFileSync(path.join(build, 'sync', 'kiosk-office'),
        ['kiosks', '--store', this.officeStore, '--pki', this.pki], { encoding: 'utf8' });
      const line = out.split('\n').find((l) => l.startsWith('E2E-KIOSK '));
      return line ? JSON.parse(line.slice(line.indexOf('{'))) : null;
    } catch (e) {
      return null;
    }
  }

  async stop() {
    if (this.browser) await this.browser.close();
    for (const child of [this.kiosk, this.office]) {
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => { child.on('exit', resolve); setTimeout(resolve, 10000); });
      }
    }
    if (this.printed) execFileSync(path.join(source, 'tools', 'sim-printer'), ['stop', path.join(this.dir, 'printer')]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
