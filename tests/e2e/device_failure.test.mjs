// A device that fails mid-session: the fingerprint reader breaks down at the third finger (the
// simulated reader answers with libfprint's protocol error). The applicant is told a member of
// staff has been called and nothing is lost; "Try again" opens the reader again and the capture
// goes on from the third finger, the first two kept. Later its cable is pulled (libfprint's
// removal): the same notice, and when the reader is back the kiosk finds it by itself and goes on.
// The central office sees the failed reader, and then the working one, in the kiosk's heartbeat.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Rig, artefacts, until } from './harness.mjs';

let rig;
before(async () => { rig = await Rig.start({ simulation: { reader_fault_at: 3, reader_unplug_at: 7 } }); });
after(async () => { if (rig) await rig.stop(); });

const done = (view) => Object.entries(view.fingers ?? {}).filter(([, f]) => f.state === 'done').map(([p]) => Number(p));

test('the reader failing at the third finger keeps the first two, and Try again goes on from the third; unplugged, it is found again by itself', async () => {
  const page = rig.page;
  await rig.toFingerprints();

  await page.waitForFunction(() => window.kioskView.device_problem, null, { timeout: 60000 });
  assert.match(await page.textContent('#notice'), /staff has been called.*kept/);
  const failed = await rig.view();
  assert.deepEqual(done(failed).sort(), [1, 2], 'the two fingers before the fault are kept');
  await page.screenshot({ path: `${artefacts}/16-reader-failed.png` });
  assert.match(rig.log, /fingerprint failed during a session/);
  // The central office hears of it with the next heartbeat (every 10 s here).
  const reported = await until(() => rig.officeHealth()?.devices?.fingerprint?.ok === false, 30000);
  assert.ok(reported, `the office never heard that the reader failed: ${JSON.stringify(rig.officeHealth()?.devices)}`);
  assert.match(rig.officeHealth().devices.fingerprint.detail, /failed during a session/);

  // Every finger the screen asks for from here on, as the page sees its view change.
  await page.evaluate(() => {
    window.fingersAsked = [];
    setInterval(() => {
      const f = window.kioskView.current_finger;
      if (f && window.fingersAsked.at(-1) !== f) window.fingersAsked.push(f);
    }, 10);
  });
  await page.click('[data-action=retry]');
  await page.waitForFunction(() => !window.kioskView.device_problem, null, { timeout: 20000 });
  assert.match(rig.log, /fingerprint is back/);
  // The simulated applicant lays the third finger as soon as it is asked for, so by the time the
  // view is read the capture may be past it: wait until it is asked for a finger after the fault,
  // then look at every finger asked for since the retry.
  await page.waitForFunction(() => window.kioskView.current_finger >= 3 && window.fingersAsked.length > 0,
    null, { timeout: 20000 });
  const asked = await page.evaluate(() => window.fingersAsked);
  assert.equal(asked[0], 3, `the capture goes on at the third finger (asked for ${asked})`);
  assert.ok(!asked.includes(1) && !asked.includes(2), `the first two are kept, not asked for again (${asked})`);

  // The seventh finger laid (the sixth finger, the third taken again) pulls the reader's cable.
  await page.waitForFunction(() => window.kioskView.device_problem, null, { timeout: 90000 });
  assert.match(await page.textContent('#notice'), /staff has been called.*kept/);
  const unplugged = await rig.view();
  const at = unplugged.current_finger;
  assert.deepEqual(done(unplugged).sort((a, b) => a - b), Array.from({ length: at - 1 }, (_, i) => i + 1),
    'every finger before the unplug is kept');
  assert.match(rig.log, /reader removed/);
  await page.screenshot({ path: `${artefacts}/17-reader-unplugged.png` });
  // Nobody presses anything: the kiosk looks for the reader and goes on where it stopped.
  await page.waitForFunction(() => !window.kioskView.device_problem, null, { timeout: 20000 });
  await page.waitForFunction((f) => window.kioskView.current_finger === f, at, { timeout: 20000 });
  await rig.step('documents', { ms: 180000 });
  assert.ok(await until(() => rig.officeHealth()?.devices?.fingerprint?.ok === true, 30000),
    'the office hears that the reader works again');
  const fingers = Object.values((await rig.view()).fingers);
  assert.equal(fingers.filter((f) => f.state === 'done').length, 10, 'all ten, those from before the fault and the unplug kept');
  await rig.cancelSession();
});
