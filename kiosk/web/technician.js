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
    el('div', { class: 'grid', style: 'max-width: 20em' }, digits,
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

function statusRows(s) {
  const figures = (test) => {
    if (!test) return '';
    if (test.running) return t('technician.running');
    const { ok, running, started, ...rest } = test;
    const shown = (v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : String(v));
    const flat = (o, prefix = '') => Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object'
      ? flat(v, `${prefix}${k}.`) : [`${prefix}${k}: ${shown(v)}`]));
    return flat(rest).join(' · ');
  };
  const device = (name) => {
    const d = s.devices?.[name];
    const state = !s.devices ? t('technician.checking') : d.ok ? t('technician.ok') : t('technician.failed');
    return el('tr', { 'data-device': name }, el('th', {}, t(`technician.device.${name}`)), el('td', {}, state),
      el('td', {}, d?.detail ?? ''),
      el('td', {}, el('button', { 'data-test': name, onclick: () => startTest(name) }, t('technician.test'))),
      el('td', { class: 'figures', 'data-figures': name }, figures(s.tests?.[name])));
  };
  const h = s.health || {};
  const packets = Object.entries(h.outbox?.packets ?? {}).map(([k, n]) => `${k}: ${n}`).join(', ') || '0';
  return [
    el('h2', {}, t('technician.devices')),
    el('table', { id: 'devices' }, ['camera', 'scanner', 'fingerprint'].map(device)),
    el('h2', {}, t('technician.outbox')),
    el('dl', { id: 'outbox' },
      el('dt', {}, t('technician.packets')), el('dd', {}, packets),
      el('dt', {}, t('technician.last_delivery')), el('dd', {}, s.last_delivery ?? '—'),
      el('dt', {}, t('technician.last_failure')), el('dd', {}, s.last_failure ? `${s.last_failure.at}: ${s.last_failure.detail}` : '—'),
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
  // While a test capture runs, look again each second.
  clearTimeout(desk.poll);
  if (Object.values(r.body.tests ?? {}).some((x) => x.running)) desk.poll = setTimeout(render, 1000);
  $('screen').replaceChildren(el('h1', {}, t('technician.title')), ...statusRows(r.body),
    el('div', { class: 'actions' },
      el('button', { class: 'primary', id: 'diagnostics', onclick: exportDiagnostics }, t('technician.export')),
      el('button', { class: 'secondary', onclick: () => render() }, t('technician.refresh'))));
}

async function startTest(device) {
  const r = await call('POST', 'test', { device });
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
