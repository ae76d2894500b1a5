// "I cannot give this finger" asks before it marks anything: the question names the finger that
// was asked for when the button was pressed and offers the two reasons the record tells apart
// (missing, or injured and unable to print), and a way out that marks nothing. The reader fails at
// the first finger here, so the screen stands still at the right thumb while the test taps.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Rig, artefacts } from './harness.mjs';

let rig;
before(async () => { rig = await Rig.start({ simulation: { reader_fault_at: 1 } }); });
after(async () => { if (rig) await rig.stop(); });

test('a finger that cannot be given is marked only after a question that names it and asks why', async () => {
  const page = rig.page;
  await rig.toFingerprints();
  await page.waitForFunction(() => window.kioskView.device_problem && window.kioskView.current_finger === 1,
    null, { timeout: 60000 });

  await page.click('[data-action=finger_missing]');
  await page.waitForSelector('#confirm:not([hidden])');
  assert.match(await page.textContent('#confirm-text'), /right thumb/, 'the question names the finger');
  const choices = await page.locator('#confirm button').allTextContents();
  assert.deepEqual(choices, ['This finger is missing', 'It is injured or bandaged', 'I can give it']);
  await page.screenshot({ path: `${artefacts}/18-finger-missing-question.png` });
  await page.click('#confirm [data-choice="fingers.missing_back"]');
  assert.ok(await page.isHidden('#confirm'));
  assert.notEqual((await rig.view()).fingers?.['1']?.state, 'missing', '"I can give it" marks nothing');

  await page.click('[data-action=finger_missing]');
  await page.click('#confirm [data-choice="fingers.missing_amputated"]');
  await page.waitForFunction(() => window.kioskView.fingers?.['1']?.state === 'missing', null, { timeout: 10000 });
  assert.ok(await page.isHidden('#confirm'));
  assert.match(await page.getAttribute('.finger[data-position="1"]', 'aria-label'), /right thumb: not given/);

  // Undone: the thumb, touched on the hands, can be given after all.
  await page.click('.finger[data-position="1"]');
  assert.match(await page.textContent('#confirm-text'), /cannot give your right thumb\. Give it after all/);
  await page.screenshot({ path: `${artefacts}/18b-finger-undo-question.png` });
  await page.click('#confirm [data-choice="fingers.undo_missing_no"]');
  assert.equal((await rig.view()).fingers['1'].state, 'missing', '"no" keeps it marked');
  await page.click('.finger[data-position="1"]');
  await page.click('#confirm [data-choice="fingers.undo_missing_yes"]');
  await page.waitForFunction(() => window.kioskView.fingers?.['1'] === undefined, null, { timeout: 10000 });
  await rig.cancelSession();
});
