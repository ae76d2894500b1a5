// Technician mode: the PIN pad, then the kiosk's state as /api/technician/status reports it.
// Texts come from the English catalogue's "technician.*" keys (staff read the kiosk's language).
'use strict';

const desk = { token: null, messages: {}, pin: '' };
const t = (key, args = {}) => translate(desk.messages, {}, key, args);

async function call(method, name, body) {
  const response = await fetch(`/api/technician/${name}`, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-Technician-Token': desk.token ?? '' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json() };
}

function notice(text) {
  $('notice').hidden = !text;
  $('notice').textContent = text || '';
}

function pinPad() {
  const shown = el('p', { class: 'code', id: 'pin-shown' }, '•'.repeat(desk.pin.length) || '\u00a0');
  const key = (label, press) => el('button', { class: 'primary', 'data-key': label, onclick: press }, label);
  const digits = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => key(String(d), () => { desk.pin += d; render(); }));
  return [
    el('h1', {}, t('technician.title')),
    el('p', {}, t('technician.enter_pin')),
    shown,
    el('div', { class: 'pinpad' }, digits,
      key('⌫', () => { desk.pin = desk.pin.slice(0, -1); render(); }),
      key('0', () => { desk.pin += '0'; render(); }),
      key('OK', open)),
  ];
}

async function open() {
  const r = await call('POST', 'open', { pin: desk.pin });
  desk.pin = '';
  if (r.status === 200) {
    desk.token = r.body.token;
    notice('');
  } else if (r.status === 423) {
    notice(t('technician.locked', { until: r.body.locked_until }));
  } else if (r.status === 401) {
    notice(t('technician.wrong_pin', { left: r.body.attempts_left }));
  } else {
    notice(t(r.body.refusal ?? 'technician.no_pin'));
  }
  render();
}

// A result's figures on one line: "quality: 62 · ppi: 500"; a value that is a message key (an
// instruction the applicant would get) as its text.
function figureLine(o) {
  const shown = (v) => {
    if (typeof v === 'number' && !Number.isInteger(v)) return v.toFixed(2);
    if (typeof v === 'string' && desk.messages[v]) return `"${t(v, { finger: t('finger.right_thumb') })}"`;
    return String(v);
  };
  const flat = (x, prefix = '') => Object.entries(x).flatMap(([k, v]) => (v && typeof v === 'object'
    ? flat(v, `${prefix}${k}.`) : [`${prefix}${k}: ${shown(v)}`]));
  return flat(o).join(' · ');
}

// Each device's calibration: how to do it, the buttons, what is saved, and the last attempt.
function calibrationRows(c) {
  const buttons = {
    camera: [['white', 'technician.calibrate.white'], ['grey', 'technician.calibrate.grey']],
    scanner: [['sheet', 'technician.calibrate.sheet']],
    fingerprint: [['platen', 'technician.calibrate.platen']],
  };
  const row = (name) => {
    const saved = c?.saved?.[name];
    const last = c?.last?.[name];
    let outcome = '';
    if (last?.running) outcome = t('technician.calibrating');
    else if (last?.refusal) outcome = t(last.refusal);
    else if (name === 'fingerprint' && last?.ok) outcome = t('calibration.platen_clean');
    else if (last?.ok) outcome = t('calibration.saved');
    // The camera's picture while it measures, then the frame measured (the middle outlined).
    const picture = last?.picture ? el('img', { class: 'camera-picture', src: last.picture, alt: t('technician.camera_picture') }) : null;
    let savedText = t('technician.not_calibrated');
    if (saved) {
      const { measured_at: at, ...figures } = saved;
      savedText = `${t('technician.calibrated_at', { at })}: ${figureLine(figures)}`;
    }
    return el('tr', { 'data-calibration': name },
      el('th', {}, t(`technician.device.${name}`)),
      el('td', {}, t(`technician.calibrate.hint.${name}`)),
      el('td', {}, buttons[name].map(([what, label]) => el('button', {
        'data-calibrate': `${name}-${what}`, onclick: () => startCalibration(name, what),
      }, t(label)))),
      el('td', { class: 'figures', 'data-saved': name }, savedText),
      el('td', { class: last && !last.running && !last.ok ? 'outcome refused' : 'outcome', 'data-outcome': name }, outcome, picture));
  };
  return [el('h2', {}, t('technician.calibration')),
    el('table', { id: 'calibration' }, ['camera', 'scanner', 'fingerprint'].map(row))];
}

function statusRows(s) {
  const figures = (test, name) => {
    if (!test) return '';
    // The fingerprint test waits for a finger: it says so.
    if (test.running) return t(name === 'fingerprint' ? 'technician.place_finger' : 'technician.running');
    if (test.message) return `${t(test.message)} (${test.detail})`;
    const { ok, running, started, ...rest } = test;
    return figureLine(rest);
  };
  const device = (name) => {
    const d = s.devices?.[name];
    const state = !s.devices ? t('technician.checking') : d.ok ? t('technician.ok') : t('technician.failed');
    return el('tr', { 'data-device': name }, el('th', {}, t(`technician.device.${name}`)), el('td', {}, state),
      el('td', {}, d?.detail ?? ''),
      el('td', {}, el('button', { 'data-test': name, onclick: () => startTest(name) }, t('technician.test'))),
      el('td', { class: 'figures', 'data-figures': name }, figures(s.tests?.[name], name)));
  };
  const h = s.health || {};
  const packets = Object.entries(h.outbox?.packets ?? {}).map(([k, n]) => `${k}: ${n}`).join(', ') || '0';
  return [
    el('h2', {}, t('technician.devices')),
    el('table', { id: 'devices' }, ['camera', 'scanner', 'fingerprint'].map(device)),
    ...calibrationRows(s.calibration),
    el('h2', {}, t('technician.outbox')),
    el('dl', { id: 'outbox' },
      el('dt', {}, t('technician.packets')), el('dd', {}, packets),
      el('dt', {}, t('technician.last_delivery')), el('dd', {}, h.last_delivery ?? '—'),
      el('dt', {}, t('technician.last_failure')), el('dd', {}, h.last_failure ? `${h.last_failure.at}: ${h.last_failure.detail}` : '—'),
      el('dt', {}, t('technician.disk_free')), el('dd', {}, h.disk_free_bytes ? `${(h.disk_free_bytes / 2 ** 30).toFixed(1)} GiB` : '—'),
      el('dt', {}, t('technician.accepting')), el('dd', {}, h.accepting_applicants ? t('technician.ok') : (h.not_accepting_because ?? t('technician.failed')))),
  ];
}

async function render() {
  if (!desk.token) {
    $('screen').replaceChildren(...pinPad());
    return;
  }
  const r = await call('GET', 'status');
  if (r.status === 401) { desk.token = null; render(); return; }
  // While a test capture or a calibration runs, look again each second.
  clearTimeout(desk.poll);
  const running = [...Object.values(r.body.tests ?? {}), ...Object.values(r.body.calibration?.last ?? {})];
  if (running.some((x) => x.running)) desk.poll = setTimeout(render, 1000);
  $('screen').replaceChildren(el('h1', {}, t('technician.title')), ...statusRows(r.body),
    el('div', { class: 'actions' },
      el('button', { class: 'primary', id: 'diagnostics', onclick: exportDiagnostics }, t('technician.export')),
      el('button', { class: 'secondary', onclick: () => render() }, t('technician.refresh'))));
}

// The row shows at once that the work has started, before the kiosk's answer comes back.
function showStarted(selector, key) {
  const cell = document.querySelector(selector);
  if (cell) cell.textContent = t(key);
}

async function startTest(device) {
  showStarted(`[data-figures=${device}]`, device === 'fingerprint' ? 'technician.place_finger' : 'technician.running');
  const r = await call('POST', 'test', { device });
  notice(r.status === 202 ? '' : t(r.body.refusal ?? 'technician.unknown'));
  render();
}

async function startCalibration(device, what) {
  showStarted(`[data-outcome=${device}]`, 'technician.calibrating');
  const body = device === 'camera' ? { device, card: what } : { device };
  const r = await call('POST', 'calibrate', body);
  notice(r.status === 202 ? '' : t(r.body.refusal ?? 'technician.unknown'));
  render();
}

async function exportDiagnostics() {
  const r = await call('GET', 'diagnostics');
  const blob = new Blob([JSON.stringify(r.body, null, 2)], { type: 'application/json' });
  const a = el('a', { href: URL.createObjectURL(blob), download: `kiosk-diagnostics-${Date.now()}.json` });
  document.body.append(a);
  a.click();
  a.remove();
}

(async () => {
  desk.messages = await (await fetch('/api/messages/en')).json();
  document.title = t('technician.title');
  $('leave').textContent = t('technician.leave');
  $('leave').addEventListener('click', async () => {
    if (desk.token) await call('POST', 'close');
    location.href = '/';
  });
  render();
})();
