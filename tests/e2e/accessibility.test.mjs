// axe-core (npm's @axe-core/playwright) on every screen an applicant meets, in English and in
// Arabic (right to left) and in high contrast: no serious or critical violation of WCAG 2.1 A/AA.
// Each screen is checked as the applicant sees it (questions open where one is asked); the
// figures go to build/tests/e2e-artefacts/axe.json, with a screenshot of each screen.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { Rig, artefacts } from './harness.mjs';

let rig;
const figures = [];
before(async () => { rig = await Rig.start(); });
after(async () => {
  fs.writeFileSync(path.join(artefacts, 'axe.json'), `${JSON.stringify(figures, null, 1)}\n`);
  if (rig) await rig.stop();
});

// axe on the page as it is now: every violation, and those serious or critical.
async function check(name) {
  const { violations, passes } = await new AxeBuilder({ page: rig.page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  figures.push({ screen: name, passes: passes.length, violations: violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`) });
  await rig.page.screenshot({ path: path.join(artefacts, `axe-${name}.png`) });
  assert.deepEqual(bad.map((v) => ({ rule: v.id, impact: v.impact, help: v.help, where: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })),
    [], `${name}: serious or critical violations`);
}

// A whole session, checked at every screen, in `language`, high contrast or not.
async function walk(language, contrast) {
  const page = rig.page;
  const tag = `${language}${contrast ? '-contrast' : ''}`;
  await rig.step('welcome');
  await page.click(`[data-language=${language}]`);
  await page.waitForFunction((l) => document.documentElement.lang === l, language);
  if (contrast) {
    await page.click('#contrast');
    await page.waitForFunction(() => document.body.classList.contains('contrast'));
  }
  await check(`${tag}-01-welcome`);
  await page.click('[data-action=start]');
  await rig.step('service');
  await check(`${tag}-02-service`);
  await page.click('[data-service=visa-l]');
  await rig.step('data_page');
  await check(`${tag}-03-data-page`);
  await page.click('[data-action=scan]');
  await rig.step('consent', { ms: 60000 });
  await check(`${tag}-04-consent`);
  await page.click('#cancel');
  await page.waitForSelector('#confirm:not([hidden])');
  await check(`${tag}-04b-cancel-question`);
  await page.click('#confirm [data-choice="cancel.no"]');
  await page.click('[data-action=consent] >> nth=0');
  await rig.step('photo');
  await page.waitForSelector('#preview[src^="blob:"]', { timeout: 30000 });
  await check(`${tag}-05-photo`);
  await page.waitForSelector('[data-action=photo_accept]', { timeout: 90000 });
  await check(`${tag}-05b-photo-taken`);
  await page.click('[data-action=photo_accept]');
  await rig.step('documents', { ms: 180000 });
  await check(`${tag}-07-documents`);
  // The fingers, back from the documents: all taken, each a button to give it again.
  await page.click('#back');
  await page.waitForSelector('[data-action=fingers_continue]');
  await check(`${tag}-06-fingerprints`);
  await page.click('[data-action=fingers_continue]');
  await rig.step('documents');
  for (const paper of (await rig.view()).checklist) {
    const item = `[data-paper="${paper.id}"]`;
    if (paper.required) {
      await page.click(`${item} [data-action=scan]`);
      await page.waitForSelector(`${item} [data-action=paper_done]`, { timeout: 60000 });
      await page.click(`${item} [data-action=paper_done]`);
      await page.waitForFunction((id) => window.kioskView.checklist.find((p) => p.id === id)?.state === 'handed', paper.id, { timeout: 60000 });
    } else {
      await page.click(`${item} [data-action=paper_skip]`);
      await page.waitForFunction((id) => window.kioskView.checklist.find((p) => p.id === id)?.state === 'skipped', paper.id, { timeout: 20000 });
    }
  }
  await page.click('[data-action=papers_done]');
  await rig.step('review');
  await page.waitForFunction(() => document.getElementById('preview')?.naturalWidth > 0, null, { timeout: 20000 });
  await check(`${tag}-08-review`);
  await page.click('[data-action=submit]');
  await rig.step('receipt', { ms: 60000 });
  await page.waitForFunction(() => document.getElementById('qr')?.complete, null, { timeout: 20000 });
  await check(`${tag}-09-receipt`);
  await page.click('[data-action=finish]');
  await rig.step('welcome');
  // The status lookup, in the same language and display.
  await page.click(`[data-language=${language}]`);
  if (contrast) await page.click('#contrast');
  await page.click('[data-action=status_lookup]');
  await rig.step('status_lookup');
  await page.click('.codepad [data-key="7"]');
  await page.click('[data-action=lookup]');
  await page.waitForSelector('#status');
  await check(`${tag}-10-status`);
  await page.click('#back');
  await rig.step('welcome');
}

test('every screen in English has no serious or critical accessibility violation', async () => {
  await walk('en', false);
});

test('every screen in Arabic, right to left, has none either', async () => {
  await walk('ar', false);
});

test('every screen in high contrast has none either', async () => {
  await walk('en', true);
  assert.equal(figures.length, 3 * 12, 'twelve screens checked in each of the three walks');
});
