// An applicant who walks away: the screen warns, with a countdown the applicant can extend, and
// then the session is wiped and the welcome screen is back in English for the next person.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Rig } from './harness.mjs';

let rig;
before(async () => { rig = await Rig.start({ ui: { idle_warning_s: 10, idle_grace_s: 5 } }); });
after(async () => { if (rig) await rig.stop(); });

test('an idle session is warned, can be extended, and is then wiped', async () => {
  const page = rig.page;
  await page.click('[data-language=fa]');
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
  await page.waitForFunction(() => /[\u0600-\u06FF]/.test(document.querySelector('[data-action=start]')?.textContent));
  await page.click('[data-action=start]');
  await rig.step('service');
  await page.click('[data-service=visa-l]');
  await rig.step('data_page');

  await page.waitForSelector('#idle:not([hidden])', { timeout: 20000 });
  assert.match(await page.textContent('#idle-text'), /[0-9۰-۹]/, 'the warning counts down');
  await page.screenshot({ path: `${process.env.KIOSK_BUILD_DIR}/tests/e2e-artefacts/12-idle-warning.png` });
  await page.click('#idle-extend');
  await page.waitForSelector('#idle', { state: 'hidden', timeout: 5000 });
  assert.equal((await rig.view()).step, 'data_page', 'extending keeps the session');

  await page.waitForSelector('#idle:not([hidden])', { timeout: 20000 });
  await rig.step('welcome', { ms: 15000, shot: '13-idle-wiped' });
  const view = await rig.view();
  assert.equal(view.language.code, 'en', 'the next applicant starts in English');
  assert.equal(view.service, undefined, 'nothing of the session is left');
  assert.match(rig.log, /an idle session was wiped/);
});
