// An applicant at the kiosk, in a real browser, on the simulated devices, with the real central
// office: a whole session ends with a receipt whose tracking code the office knows, and which
// prints on the simulated receipt printer; the Arabic screen lays out right to left; every
// screen's prompt is spoken in the chosen language (English through the whole session, Russian on
// the first screens). Screenshots of each step are kept in build/tests/e2e-artefacts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Rig, artefacts, until } from './harness.mjs';

let rig;
before(async () => { rig = await Rig.start({ printer: true }); });
after(async () => { if (rig) await rig.stop(); });

test('an applicant goes from welcome to a receipt and the office receives the record', async (t) => {
  const page = rig.page;
  await rig.step('welcome', { shot: '01-welcome' });
  await page.click('#speech');  // every screen of the session is spoken
  await page.waitForFunction(() => window.kioskSpeech.length > 0);
  rig.screens = [];
  await page.click('[data-action=start]');
  await rig.step('service', { shot: '02-service' });
  const serviceName = (await page.textContent('[data-service=visa-l]')).trim();
  // The services run past the screen: it says so, and a tap on the hint scrolls down to the rest.
  assert.ok(await page.isVisible('#more'), 'more below is said');
  assert.match(await page.textContent('#more'), /More below/);
  await page.click('#more');
  await page.waitForFunction(() => document.getElementById('screen').scrollTop > 0);
  await page.click('[data-service=visa-l]');
  await rig.step('data_page', { shot: '03-data-page' });
  await page.click('[data-action=scan]');
  await rig.step('consent', { ms: 60000, shot: '04-consent' });
  const view = await rig.view();
  assert.ok(view.passport.surname.length > 0, 'the passport fields are filled in from the MRZ');
  // What the applicant reads before consenting: their own data, as text, not markup.
  const details = await page.textContent('dl');
  assert.doesNotMatch(details, /\[object /, 'the passport details are text');
  for (const field of ['surname', 'given_names', 'document_number', 'date_of_birth', 'date_of_expiry']) {
    assert.ok(details.includes(view.passport[field]), `the consent screen shows the ${field} "${view.passport[field]}"`);
  }
  assert.equal(await page.locator('dl dt').count(), 6, 'six labelled passport fields');
  // Where the applicant is: a step of the way, named.
  assert.equal(await page.textContent('#step-text'), 'Step 3 of 7: Consent');
  await page.click('[data-action=consent] >> nth=0');
  await rig.step('photo', { shot: '05-photo' });
  await page.waitForSelector('#preview[src^="blob:"]', { timeout: 30000 });
  await page.screenshot({ path: `${artefacts}/05-photo-preview.png` });
  // The photo taken is shown, and goes nowhere until the applicant accepts it.
  await page.waitForSelector('[data-action=photo_accept]', { timeout: 90000 });
  assert.match(await page.textContent('#prompt'), /This is your photo/);
  assert.equal((await rig.view()).step, 'photo', 'the photo waits for the applicant');
  await page.waitForFunction(() => document.getElementById('preview')?.naturalWidth > 0);
  await page.screenshot({ path: `${artefacts}/05b-photo-taken.png` });
  await page.click('[data-action=photo_accept]');
  await rig.step('fingerprints', { ms: 30000 });
  // The prompt names the finger asked for; the hands are named; no raw quality number is shown.
  await page.waitForFunction(() => /thumb|finger/.test(document.getElementById('prompt')?.textContent), null, { timeout: 30000 });
  assert.match(await page.textContent('#prompt'), /(right|left) (thumb|index|middle|ring|little)/);
  assert.deepEqual(await page.locator('.hand figcaption').allTextContents(), ['Left hand', 'Right hand']);
  await page.waitForSelector('.finger.done', { timeout: 60000 });
  assert.doesNotMatch(await page.textContent('.hands'), /\d/, 'no quality figures on the hands');
  await page.screenshot({ path: `${artefacts}/06-fingerprints.png` });
  await rig.step('documents', { ms: 180000, shot: '07-documents' });
  const fingers = Object.values((await rig.view()).fingers);
  assert.equal(fingers.filter((f) => f.state === 'done').length, 10, 'ten fingers taken, each with a quality');

  // Back from the documents: the fingers as they were, nothing captured again until a finger is
  // chosen; the right index given again (after a question), then on to the documents.
  await page.click('#back');
  await rig.step('fingerprints');
  await page.waitForSelector('[data-action=fingers_continue]');
  assert.match(await page.textContent('#prompt'), /All your fingerprints are taken/);
  assert.equal((await rig.view()).current_finger, undefined, 'no finger is asked for');
  await page.screenshot({ path: `${artefacts}/06b-fingerprints-back.png` });
  await page.click('.finger[data-position="2"]');
  assert.match(await page.textContent('#confirm-text'), /right index finger again/);
  await page.click('#confirm [data-choice="fingers.redo_yes"]');
  await page.waitForFunction(() => window.kioskView.current_finger === 2 || window.kioskView.step === 'documents', null, { timeout: 30000 });
  await rig.step('documents', { ms: 60000 });
  const redone = await rig.view();
  assert.equal(Object.values(redone.fingers).filter((f) => f.state === 'done').length, 10, 'still ten fingers');

  // The required papers are scanned, the optional ones skipped.
  for (const paper of (await rig.view()).checklist) {
    const item = `[data-paper="${paper.id}"]`;
    if (paper.required) {
      await page.click(`${item} [data-action=scan]`);
      await page.waitForSelector(`${item} [data-action=paper_done]`, { timeout: 60000 });
      // The page just scanned is shown, small, beside the paper.
      await page.waitForFunction((id) => document.querySelector(`[data-paper="${id}"] img.page`)?.naturalWidth > 0,
        paper.id, { timeout: 10000 });
      await page.screenshot({ path: `${artefacts}/07b-documents-scanned.png` });
      await page.click(`${item} [data-action=paper_done]`);
      // While the document is saved, nothing else can be pressed and it says so.
      const during = await page.evaluate(() => ({ busy: !!window.kioskView.busy,
        held: document.querySelector('[data-action=papers_done]').disabled }));
      if (during.busy) assert.ok(during.held, 'Continue is held while the document is saved');
      await page.waitForFunction((id) => window.kioskView.checklist.find((p) => p.id === id)?.state === 'handed',
        paper.id, { timeout: 60000 });
      assert.ok(await page.isHidden('#notice'), 'no warning after a document is completed');
    } else {
      await page.click(`${item} [data-action=paper_skip]`);
      await page.waitForFunction((id) => window.kioskView.checklist.find((p) => p.id === id)?.state === 'skipped',
        paper.id, { timeout: 20000 });
    }
  }
  await page.screenshot({ path: `${process.env.KIOSK_BUILD_DIR}/tests/e2e-artefacts/08-documents-done.png` });
  await page.click('[data-action=papers_done]');
  await rig.step('review', { shot: '09-review' });
  const reviewed = await page.textContent('dl');
  assert.ok(reviewed.includes(view.passport.document_number) && reviewed.includes(view.passport.surname),
    'the review screen shows the passport number and name as text');
  // The review shows the photo that will be sent and each document, each part with its "change".
  await page.waitForFunction(() => document.getElementById('preview')?.naturalWidth > 0, null, { timeout: 20000 });
  assert.match(await page.textContent('main'), /Itinerary[\s\S]*Scanned: \d page/);
  assert.deepEqual(await page.locator('[data-change]').evaluateAll((b) => b.map((x) => x.dataset.change)),
    ['photo', 'fingerprints', 'documents']);
  // A new photo from the review: taken again once, accepted, and straight back to the review.
  await page.click('[data-change=photo]');
  await rig.step('photo');
  await page.waitForSelector('[data-action=photo_accept]', { timeout: 90000 });
  await page.click('[data-action=retry]');
  await page.waitForFunction(() => !window.kioskView.photo_proposed, null, { timeout: 10000 });
  await page.waitForSelector('[data-action=photo_accept]', { timeout: 90000 });
  await page.click('[data-action=photo_accept]');
  await rig.step('review');
  await page.click('[data-action=submit]');
  await rig.step('receipt', { ms: 60000, shot: '10-receipt' });
  // The receipt says where the record is, truthfully: saved on the kiosk, or with the consulate.
  const [delivery, said] = await page.evaluate(() => [window.kioskView.delivery, document.getElementById('delivery').textContent]);
  assert.match(said, delivery === 'sent' ? /consulate has received it/ : /saved, encrypted, on this kiosk/, `${delivery}: ${said}`);
  const code = (await page.textContent('#tracking-code')).trim();
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  // The image loads after the receipt is shown: wait for it (on a slow build it takes a while),
  // then ask whether it was drawn.
  await page.waitForFunction(() => document.getElementById('qr')?.complete, null, { timeout: 20000 });
  assert.ok(await page.evaluate(() => document.getElementById('qr').naturalWidth > 0), 'the QR code is drawn');

  // The printed receipt reaches the (simulated) printer with the same code on it.
  if (rig.printed) {
    await page.click('#print');
    await page.waitForFunction(() => /take it from the printer/.test(document.getElementById('print-state')?.textContent),
      null, { timeout: 30000 });
    let job = '';
    await until(() => (job = fs.readdirSync(rig.printed).find((f) => f.endsWith('.pdf')) ?? ''), 5000, 100);
    assert.ok(job, 'a job reached the printer');
    const text = execFileSync('pdftotext', [path.join(rig.printed, job), '-'], { encoding: 'utf8' });
    assert.match(text.replace(/\s+/g, ' '), new RegExp(`${code}.*Fee due`));
    await page.screenshot({ path: `${artefacts}/10-receipt-printed.png` });
  } else {
    t.diagnostic('not root: the simulated printer cannot run, the printed receipt is not tested');
  }

  // Every screen's title and prompt, as the applicant arrived at it, was spoken in English.
  const spoken = await page.evaluate(() => window.kioskSpeech);
  assert.equal(rig.screens.length, 12, rig.screens.map((s) => s.step).join(' '));
  for (const screen of rig.screens) {
    const heard = spoken.find((s) => s.text.includes(screen.title) && s.text.includes(screen.prompt));
    assert.ok(heard, `${screen.step}: "${screen.title}. ${screen.prompt}" was not spoken; spoken: ${JSON.stringify(spoken.map((s) => s.text))}`);
    assert.deepEqual([heard.lang, heard.status, heard.type], ['en', 200, 'audio/wav'], screen.step);
  }

  // Read aloud says the choices, not only the titles, and spells the tracking code out.
  await page.waitForFunction((c) => window.kioskSpeech.some((s) => s.text.includes(c)),
    [...code.replace(/-/g, '')].join(' '), { timeout: 20000 });
  const heardAll = (await page.evaluate(() => window.kioskSpeech)).map((s) => s.text);
  assert.ok(heardAll.some((text) => text.includes('You can choose') && text.includes(serviceName)),
    `the services were read out: ${JSON.stringify(heardAll)}`);

  // The uploader sends the sealed record; the office opens an application under the code.
  let status = '';
  await until(() => (status = rig.officeStatus(code)).includes(code), 60000, 1000);
  assert.match(status, new RegExp(`${code}: open`), `the office knows ${code}: ${status}\n${rig.log.slice(-2000)}`);
  await page.waitForFunction(() => window.kioskView.delivery === 'sent', null, { timeout: 30000 });
  assert.match(await page.textContent('#delivery'), /The consulate has received it/);
  assert.match(await page.textContent('main h1'), /has been received/);
  // Nothing that names the applicant is in the kiosk's log of the whole session.
  const { passport } = await rig.view();
  for (const value of [passport.surname, passport.given_names, passport.document_number]) {
    assert.ok(value.length >= 4 && !rig.log.includes(value), `"${value}" is in the log`);
  }

  await page.click('[data-action=finish]');
  await rig.step('welcome');
  const wiped = await rig.view();
  assert.equal(wiped.passport, undefined, 'nothing of the applicant is left after finishing');
  assert.equal(wiped.display.speech, false, 'the next applicant starts without speech, until they ask for it');

  // Back at the kiosk later, with no keyboard: the code tapped on the screen's pad finds the
  // application; a mistyped one is caught at once, and delete mends it.
  await page.click('[data-action=status_lookup]');
  await rig.step('status_lookup');
  const tap = async (text) => { for (const c of text.replaceAll('-', '')) await page.click(`.codepad [data-key="${c}"]`); };
  const typo = (code[0] === 'X' ? 'Y' : 'X') + code.slice(1);
  await tap(typo);
  assert.equal(await page.inputValue('#code'), typo, 'the code shows grouped as on the receipt');
  await page.click('[data-action=lookup]');
  await page.waitForSelector('#status');
  assert.match(await page.textContent('#status'), /not a valid tracking code/, 'a mistyped code is caught at once');
  for (let i = 0; i < 12; i += 1) await page.click('[data-key=delete]');
  assert.equal(await page.inputValue('#code'), '');
  await tap(code);
  await page.click('[data-action=lookup]');
  await page.waitForFunction(() => /Received/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 20000 });
  await page.screenshot({ path: `${process.env.KIOSK_BUILD_DIR}/tests/e2e-artefacts/10b-status.png` });
  await page.click('#back');
  await rig.step('welcome');
  assert.deepEqual(rig.errors, [], 'no script errors on the page');
});

test('the Arabic screen lays out right to left', async () => {
  const page = rig.page;
  await page.click('[data-language=ar]');
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
  const speech = await page.locator('#speech').boundingBox();
  const staff = await page.locator('#staff').boundingBox();
  assert.ok(speech.x > staff.x, 'the bar runs from right to left: the first button is on the right');
  const title = await page.textContent('main h1');
  assert.match(title, /[\u0600-\u06FF]/, `the title is in Arabic script: ${title}`);
  await page.screenshot({ path: `${process.env.KIOSK_BUILD_DIR}/tests/e2e-artefacts/11-welcome-arabic.png` });
  await page.click('[data-language=en]');
  await page.waitForFunction(() => document.documentElement.dir === 'ltr');
});

test('in high contrast, a primary button, a switch that is on and Call staff each have their own colour', async () => {
  const page = rig.page;
  await rig.step('welcome');
  await page.click('#contrast');
  await page.waitForFunction(() => document.body.classList.contains('contrast'));
  await page.waitForSelector('#languages [aria-pressed=true]');
  const colours = await page.evaluate(() => ['[data-action=start]', '#languages [aria-pressed=true]', '#staff']
    .map((s) => getComputedStyle(document.querySelector(s)).backgroundColor));
  assert.equal(new Set(colours).size, 3, `three colours: ${colours}`);
  await page.screenshot({ path: `${process.env.KIOSK_BUILD_DIR}/tests/e2e-artefacts/01c-welcome-contrast.png` });
  await page.click('#contrast');
  await page.waitForFunction(() => !document.body.classList.contains('contrast'));
});

test('with speech on, every prompt is spoken in the chosen language', async () => {
  const page = rig.page;
  await page.evaluate(() => { window.kioskSpeech = []; });  // what the English session said is not this test's
  await page.click('[data-language=ru]');
  await page.waitForFunction(() => document.documentElement.lang === 'ru');
  await page.click('#speech');
  await page.waitForFunction(() => window.kioskSpeech.length > 0);
  await page.click('[data-action=start]');
  await rig.step('service');
  await page.click('[data-service=visa-l]');
  await rig.step('data_page');
  const pageTitle = (await page.textContent('main h1')).trim();
  await page.waitForFunction((title) => window.kioskSpeech.length >= 3 && window.kioskSpeech.at(-1).text.includes(title),
    pageTitle, { timeout: 20000 });
  const spoken = await page.evaluate(() => window.kioskSpeech);
  assert.ok(spoken.length >= 3, `the welcome, service and data-page screens were spoken: ${JSON.stringify(spoken)}`);
  for (const s of spoken) {
    assert.equal(s.lang, 'ru');
    assert.equal(s.status, 200, s.text);
    assert.equal(s.type, 'audio/wav');
    assert.match(s.text, /[\u0400-\u04FF]/, `spoken in Russian: ${s.text}`);
  }
  // Cancel erases the session: it asks first, in the applicant's language, and "no" keeps
  // everything as it was.
  await page.click('#cancel');
  await page.waitForSelector('#confirm:not([hidden])');
  assert.match(await page.textContent('#confirm-text'), /удален/, 'the question says that what was given is erased');
  await page.screenshot({ path: `${process.env.KIOSK_BUILD_DIR}/tests/e2e-artefacts/11-cancel-question.png` });
  await page.click('#confirm [data-choice="cancel.no"]');
  assert.ok(await page.isHidden('#confirm'), 'no closes the question');
  assert.equal((await rig.view()).step, 'data_page', 'no keeps the applicant where they were');
  await rig.cancelSession();
});

test('the travel document asks whether the passport was lost, and a lost one adds the police report', async () => {
  const page = rig.page;
  await page.click('[data-action=start]');
  await rig.step('service');
  await page.click('[data-service=travel-document]');
  await page.waitForSelector('[data-lost=yes]');
  assert.match(await page.textContent('#prompt'), /lost or stolen/);
  await page.click('[data-lost=yes]');
  await rig.step('data_page');
  await page.click('[data-action=scan]');
  await rig.step('consent', { ms: 60000 });
  const papers = (await rig.view()).checklist.map((p) => p.id);
  assert.ok(papers.includes('police_report'), `the police report is asked for: ${papers}`);
  await rig.cancelSession();
});
