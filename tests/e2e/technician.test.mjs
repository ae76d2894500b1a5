// Technician mode: reached by holding "Call staff", opened by the PIN, showing the devices and the
// outbox, calibrating each device (saved in the state folder), exporting diagnostics without
// applicant data; five wrong PINs lock it, and then even the right PIN does not open it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { Rig, artefacts } from './harness.mjs';

const salt = crypto.randomBytes(16);
const pinHash = `pbkdf2-sha256$1000$${salt.toString('hex')}$${crypto.pbkdf2Sync('2468', salt, 1000, 32, 'sha256').toString('hex')}`;

let rig;
before(async () => { rig = await Rig.start({ ui: { technician_pin: pinHash } }); });
after(async () => { if (rig) await rig.stop(); });

async function typePin(page, pin) {
  for (const digit of pin) await page.click(`[data-key="${digit}"]`);
  await page.click('[data-key="OK"]');
}

test('holding Call staff opens the PIN pad; the right PIN shows the devices and the outbox', async () => {
  const page = rig.page;
  const staff = await page.locator('#staff').boundingBox();
  await page.mouse.move(staff.x + staff.width / 2, staff.y + staff.height / 2);
  await page.mouse.down();
  // The hold is seen: a bar fills along the button while it is held.
  assert.ok(await page.evaluate(() => document.getElementById('staff').classList.contains('holding')), 'the hold shows');
  await page.waitForURL(/technician\.html$/, { timeout: 10000 });
  await page.mouse.up();
  await page.waitForSelector('[data-key="OK"]');
  // Laid out as a phone's keypad: 1 2 3 on one row, 4 below 1, keys of a finger's size.
  const box = async (k) => page.locator(`[data-key="${k}"]`).boundingBox();
  const [one, three, four] = [await box('1'), await box('3'), await box('4')];
  assert.ok(Math.abs(one.y - three.y) < 1 && four.y > one.y + one.height && Math.abs(four.x - one.x) < 1,
    `a 3-wide PIN pad: ${JSON.stringify([one, three, four])}`);
  assert.ok(one.width < 200 && one.height >= 64, `keys of a finger's size: ${JSON.stringify(one)}`);
  await typePin(page, '2468');
  await page.waitForSelector('#devices');
  for (const device of ['camera', 'scanner', 'fingerprint']) {
    assert.equal(await page.textContent(`[data-device=${device}] td`), 'working', device);
  }
  // A test capture on each device, with its figures.
  for (const device of ['camera', 'scanner', 'fingerprint']) {
    await page.click(`[data-test=${device}]`);
    await page.waitForFunction((d) => {
      const text = document.querySelector(`[data-figures=${d}]`)?.textContent ?? '';
      return text && !/testing|Place a finger/.test(text);  // the fingerprint test asks for a finger meanwhile
    }, device, { timeout: 60000 });
  }
  assert.match(await page.textContent('[data-figures=camera]'), /mean_luminance: \d/);
  assert.match(await page.textContent('[data-figures=scanner]'), /mrz_read: true/);
  assert.match(await page.textContent('[data-figures=fingerprint]'), /quality: \d+/);

  // "With a grey card" while the rig's white card is held: refused by its measured luminance, with
  // the camera's picture of the card shown.
  await page.click('[data-calibrate=camera-grey]');
  await page.waitForFunction(() => /looks white/.test(document.querySelector('[data-outcome=camera]')?.textContent), null, { timeout: 60000 });
  await page.waitForFunction(() => document.querySelector('[data-outcome=camera] img')?.naturalWidth === 480);
  assert.match(await page.textContent('[data-saved=camera]'), /not calibrated/, 'nothing was saved');
  await page.screenshot({ path: `${artefacts}/14a-technician-wrong-card.png`, fullPage: true });

  // Calibration: the rig's white card (a little warm and dim), its blank sheet under an uneven
  // lamp, and nothing on the fingerprint reader.
  for (const button of ['camera-white', 'scanner-sheet', 'fingerprint-platen']) {
    const device = button.split('-')[0];
    await page.click(`[data-calibrate=${button}]`);
    await page.waitForFunction((d) => {
      const text = document.querySelector(`[data-outcome=${d}]`)?.textContent ?? '';
      const saved = document.querySelector(`[data-saved=${d}]`)?.textContent ?? '';
      return !/measuring/.test(text) && /calibrated/.test(saved) && !/not calibrated/.test(saved);
    }, device, { timeout: 60000 });
  }
  assert.match(await page.textContent('[data-outcome=camera]'), /Calibrated and saved/);
  assert.match(await page.textContent('[data-outcome=scanner]'), /Calibrated and saved/);
  const saved = (d) => page.textContent(`[data-saved=${d}]`);
  const figure = (text, name) => Number(new RegExp(`${name.replace('.', '\\.')}: ([0-9.]+)`).exec(text)?.[1]);
  const camera = await saved('camera');
  assert.ok(Math.abs(figure(camera, 'after.luminance') - 230) < 3, camera);
  assert.ok(Math.abs(figure(camera, 'after.blue_to_green') - 1) < 0.02, camera);
  assert.ok(Math.abs(figure(camera, 'after.red_to_green') - 1) < 0.02, camera);
  assert.ok(figure(camera, 'before.red_to_green') > 1.02, `the rig's card is warm: ${camera}`);
  const scanner = await saved('scanner');
  assert.ok(figure(scanner, 'unevenness_before_pct') > 8, scanner);
  assert.ok(figure(scanner, 'unevenness_after_pct') < 1.5, scanner);
  assert.match(await saved('fingerprint'), /clean: true/);
  assert.match(await page.textContent('[data-outcome=fingerprint]'), /glass is clean/);
  const file = JSON.parse(fs.readFileSync(`${rig.dir}/state/calibration.json`, 'utf8'));
  assert.deepEqual(Object.keys(file).sort(), ['camera', 'fingerprint', 'scanner']);
  // The flat field in use: the data page still reads.
  await page.click('[data-test=scanner]');
  await page.waitForFunction(() => !/testing/.test(document.querySelector('[data-figures=scanner]').textContent));
  assert.match(await page.textContent('[data-figures=scanner]'), /mrz_read: true/);
  await page.screenshot({ path: `${artefacts}/14-technician.png`, fullPage: true });
  // Technician mode is a screen too: no serious or critical accessibility violation (axe-core).
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  assert.deepEqual(violations.filter((v) => ['serious', 'critical'].includes(v.impact))
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3)}`), [], 'technician mode');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#diagnostics')]);
  const diagnostics = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  assert.equal(diagnostics.settings.kiosk_id, 'E2E-KIOSK');
  assert.ok(diagnostics.health.outbox, 'the outbox is reported');
  assert.doesNotMatch(JSON.stringify(diagnostics), /BEGIN|PRIVATE/, 'no key material');
  await page.click('#leave');
  await page.waitForURL(/\/$/);
});

test('five wrong PINs lock technician mode, and the right PIN does not open it then', async () => {
  const page = rig.page;
  await page.goto(`${rig.url}technician.html`);
  for (let i = 1; i <= 4; ++i) {
    await typePin(page, '1111');
    await page.waitForFunction((left) => document.getElementById('notice').textContent.includes(`${left} attempt`), 5 - i);
  }
  await typePin(page, '1111');
  await page.waitForFunction(() => document.getElementById('notice').textContent.includes('locked'));
  await typePin(page, '2468');
  await page.waitForTimeout(500);
  assert.match(await page.textContent('#notice'), /locked until/);
  assert.equal(await page.locator('#devices').count(), 0, 'the right PIN does not open a locked door');
  await page.screenshot({ path: `${artefacts}/15-technician-locked.png` });
  assert.match(rig.log, /technician mode locked until/);
});
