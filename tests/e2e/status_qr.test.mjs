// The status lookup by the receipt's QR code, with no typing: the receipt's code (the kiosk's own
// QR image, as Chromium draws it) is held up to the camera (here the camera is a picture of it),
// and the code read there fills the code in and is looked up at the office.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Rig, artefacts, simDir, source } from './harness.mjs';

// The camera: a picture, at first any picture (the start-up check wants a frame), then the code.
const held = path.join(simDir, 'held-receipt.png');
let rig;
before(async () => {
  fs.mkdirSync(simDir, { recursive: true });
  fs.copyFileSync(path.join(source, 'var', 'public-data', 'astronaut.png'), held);
  rig = await Rig.start({ camera: { location: held } });
});
after(async () => { if (rig) await rig.stop(); });

test('a receipt\'s QR code shown to the camera is looked up without typing', async () => {
  const page = rig.page;
  // A tracking code: eleven characters and the check character the kiosk accepts with them.
  const code = await page.evaluate(async () => {
    for (const check of '0123456789ABCDEFGHJKMNPQRSTVWXYZ') {
      const candidate = `7KQ2-M9XD-4RT${check}`;
      if ((await fetch(`/api/receipt/qr.svg?code=${candidate}`)).ok) return candidate;
    }
    return '';
  });
  assert.match(code, /^7KQ2-M9XD-4RT.$/);
  // The receipt held up: its QR code on a sheet, in a 1280×720 picture.
  const sheet = await rig.context.newPage();
  await sheet.setViewportSize({ width: 1280, height: 720 });
  await sheet.setContent(`<body style="margin:0;background:#333;display:flex;align-items:center;justify-content:center;height:720px">
    <div style="background:#fff;padding:40px"><img id="qr" style="width:360px" src="${rig.url}api/receipt/qr.svg?code=${code}"></div></body>`);
  await sheet.waitForFunction(() => document.getElementById('qr').naturalWidth > 0);
  fs.writeFileSync(held, await sheet.screenshot());
  await sheet.close();

  await page.click('[data-action=status_lookup]');
  await rig.step('status_lookup');
  await page.waitForFunction(() => window.kioskView.lookup?.code, null, { timeout: 30000 })
    .catch((e) => { throw new Error(`no code read from the camera: ${e.message}\n${rig.log.slice(-2000)}`); });
  assert.equal((await rig.view()).lookup.code, code, 'the code read from the camera');
  await page.waitForSelector('#status', { timeout: 20000 });
  assert.equal(await page.inputValue('#code'), code, 'the code is shown as if typed');
  assert.match(await page.textContent('#status'), /No application/, 'the office was asked (it has no such application)');
  await page.screenshot({ path: `${artefacts}/10c-status-by-qr.png` });
  await page.click('#back');
  await rig.step('welcome');
});
