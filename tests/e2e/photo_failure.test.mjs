// A photo that cannot be taken (here the camera sees only a card, no face, as a camera knocked
// out of line would): the applicant may try again; a second failure calls staff; and when it fails
// for the third applicant in a row, staff are called at once and the office hears that the camera
// is failing, with the instruction nobody could follow.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Rig, artefacts, simDir, until } from './harness.mjs';

let rig;
before(async () => { rig = await Rig.start({ camera: { location: path.join(simDir, 'white-card.avi') } }); });
after(async () => { if (rig) await rig.stop(); });

// Through to the photo, and until its capture has ended without a photo.
async function toFailedPhoto(page) {
  await page.click('[data-action=start]');
  await rig.step('service');
  await page.click('[data-service=visa-l]');
  await rig.step('data_page');
  await page.click('[data-action=scan]');
  await rig.step('consent', { ms: 60000 });
  await page.click('[data-action=consent] >> nth=0');
  await rig.step('photo');
  await page.waitForFunction(() => /could not be taken/.test(document.getElementById('prompt')?.textContent), null, { timeout: 60000 });
}

test('a photo that fails twice for one applicant, or for three applicants in a row, calls staff', async () => {
  const page = rig.page;
  await toFailedPhoto(page);
  assert.equal((await rig.view()).staff_called, false, 'one failure: the applicant tries again');
  await page.click('[data-action=retry]');
  await page.waitForFunction(() => window.kioskView.staff_called, null, { timeout: 60000 });
  assert.match(await page.textContent('#notice'), /A member of staff has been called to help you/);
  assert.match(await page.textContent('#staff'), /on the way/);
  await page.screenshot({ path: `${artefacts}/19-photo-staff-called.png` });
  await rig.cancelSession();

  await toFailedPhoto(page);
  assert.equal((await rig.view()).staff_called, false, 'the second applicant also tries again first');
  await rig.cancelSession();

  await toFailedPhoto(page);
  await page.waitForFunction(() => window.kioskView.staff_called, null, { timeout: 10000 });
  assert.ok(await until(() => rig.officeHealth()?.devices?.camera?.ok === false, 30000),
    `the office hears of the camera: ${JSON.stringify(rig.officeHealth()?.devices)}`);
  assert.match(rig.officeHealth().devices.camera.detail, /failed for 3 applicants in a row; the last instruction: photo\./);
  await rig.cancelSession();
});
