// A kiosk that cannot take another application (here: less free disk than it keeps in reserve)
// says so on the welcome screen, before anyone starts, and still looks up a status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Rig, artefacts } from './harness.mjs';

let rig;
before(async () => { rig = await Rig.start({ sync: { disk_reserve_mib: 1024 * 1024 } }); });
after(async () => { if (rig) await rig.stop(); });

test('with no room for another application, Start is not offered and the screen says why', async () => {
  const page = rig.page;
  await page.waitForSelector('[data-action=status_lookup]');
  assert.equal(await page.locator('[data-action=start]').count(), 0, 'no Start to be refused after the tap');
  assert.match(await page.textContent('#prompt'), /cannot take new applications at the moment/);
  await page.screenshot({ path: `${artefacts}/01d-welcome-unavailable.png` });
  await page.click('[data-action=status_lookup]');
  await rig.step('status_lookup');
  assert.match(rig.log, /no new applicant can start: the kiosk's disk is nearly full/);
});
