// The applicant's screen. The kiosk pushes the view (what to show, as message keys and values)
// over the WebSocket; this renders it in the applicant's language and sends their actions back.
// No text lives here: every word comes from the message catalogues.
'use strict';

const ui = {
  view: null,
  lang: null,
  messages: {},
  english: {},
  spoken: '',        // the last text spoken, so a screen is read once
  screenKey: '',     // what the screen was last built from (screenKey())
  asking: null,      // the service whose applicant is asked about a lost passport
  lastTouch: 0,
  preview: null,     // the object URL of the last preview frame
  confirming: null,  // the question asked before something that loses work: see ask()
  code: '',          // the tracking code typed on the status screen's pad
  more: false,       // the screen, as built, held more than it showed
  questionKey: '',   // what the question on screen was built from (renderQuestion)
  langKey: '',       // what the language buttons were built from
  pressed: false,    // a finger is on the screen: the screen is not built again until it lifts
  deferred: false,   // a view came while it was on: the screen is built when it lifts
};
// What was spoken, for the end-to-end tests: {lang, text, status}.
window.kioskSpeech = [];

const t = (key, args = {}) => translate(ui.messages, ui.english, key, args);

async function loadMessages(code) {
  const response = await fetch(`/api/messages/${code}`);
  if (!response.ok) throw new Error(`messages ${code}: ${response.status}`);
  return response.json();
}

async function act(action, extra = {}) {
  const response = await fetch('/api/action', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Kiosk-Token': kioskToken() },
    body: JSON.stringify({ action, ...extra }),
  });
  return response.json();
}

function button(label, action, extra = {}, cls = 'primary', attrs = {}) {
  return el('button', { class: cls, 'data-action': action, onclick: () => act(action, extra), ...attrs }, label);
}

// Asks before an action that loses work: `text` (a message key and its arguments) and the choices,
// each {label, action?, extra?, cls?}; a choice without an action only closes the question. The
// question belongs to the step it was asked on and closes if the kiosk moves on without it.
function ask(text, args, choices) {
  ui.confirming = { text, args, choices, step: ui.view.step };
  render();
}

function renderQuestion() {
  const q = ui.confirming && ui.confirming.step === ui.view.step ? ui.confirming : null;
  if (!q) ui.confirming = null;
  $('confirm').hidden = !q;
  // Built once a question (and language): a view that arrives while a choice is being tapped
  // (the tap's own "touch" brings one) must not replace the button under the finger.
  const key = q ? JSON.stringify([q.text, q.args, q.choices.map((c) => c.label), ui.lang]) : '';
  if (key === ui.questionKey) return;
  ui.questionKey = key;
  if (!q) return;
  $('confirm-text').textContent = t(q.text, q.args);
  $('confirm-choices').replaceChildren(...q.choices.map((c) => el('button', {
    class: c.cls || 'secondary', 'data-choice': c.label,
    onclick: () => { ui.confirming = null; render(); if (c.action) act(c.action, c.extra || {}); },
  }, t(c.label))));
}

// --- Screens, one per step --------------------------------------------------------------------

function promptLine(v) {
  if (!v.prompt) return null;
  const args = { ...(v.prompt.args || {}) };
  if (args.finger) args.finger = t(`finger.${args.finger}`);
  return el('p', { class: 'prompt', id: 'prompt' }, t(v.prompt.key, args));
}

const screens = {
  welcome(v) {
    if (!v.devices_ready) return [el('h1', {}, t('welcome.title')), el('p', { class: 'prompt' }, t('ui.getting_ready'))];
    // No room for another application (the outbox is full): said before anyone starts.
    if (v.accepting === false) {
      return [
        el('h1', {}, t('welcome.title')),
        el('p', { class: 'prompt', id: 'prompt' }, t('welcome.unavailable')),
        el('div', { class: 'actions' }, button(t('welcome.status'), 'status_lookup', {}, 'secondary')),
      ];
    }
    return [
      el('h1', {}, t('welcome.title')),
      el('p', {}, t('welcome.intro')),
      el('div', { class: 'actions' },
        button(t('welcome.start'), 'start', {}, 'primary big'),
        button(t('welcome.status'), 'status_lookup', {}, 'secondary')),
    ];
  },

  service(v) {
    // A service whose papers depend on it asks first whether the last passport was lost or stolen.
    if (ui.asking) {
      return [
        el('h1', {}, t(`service.${ui.asking}`)),
        el('p', { class: 'prompt', id: 'prompt' }, t('service.lost_question')),
        el('div', { class: 'actions' },
          button(t('service.lost_yes'), 'service', { id: ui.asking, lost: true }, 'primary', { 'data-lost': 'yes' }),
          button(t('service.lost_no'), 'service', { id: ui.asking, lost: false }, 'primary', { 'data-lost': 'no' })),
      ];
    }
    const groups = {};
    for (const s of v.services || []) (groups[s.kind] ||= []).push(s);
    const choose = (s) => (s.asks_lost
      ? el('button', { 'data-service': s.id, onclick: () => { ui.asking = s.id; ui.screenKey = ''; render(); } },
        t(`service.${s.id}`))
      : button(t(`service.${s.id}`), 'service', { id: s.id }, '', { 'data-service': s.id }));
    return [
      el('h1', {}, t('service.title')),
      ...Object.entries(groups).map(([kind, list]) => [
        el('h2', {}, t(`service.kind.${kind}`)),
        el('div', { class: 'grid' }, list.map(choose)),
      ]),
    ];
  },

  data_page(v) {
    return [
      el('h1', {}, t('data_page.title')),
      promptLine(v),
      el('img', { class: 'how', src: 'place-on-glass.svg', alt: '' }),
      v.busy ? el('progress', { max: 1, value: v.progress ?? 0 }) : null,
      el('div', { class: 'actions' },
        button(v.busy ? t('data_page.scanning') : t('data_page.scan'), 'scan', {}, 'primary', { disabled: !!v.busy })),
    ];
  },

  consent(v) {
    return [
      el('h1', {}, t('consent.title')),
      passportDetails(v),
      el('p', {}, t('consent.text')),
      el('div', { class: 'actions' },
        button(t('consent.agree'), 'consent', { given: true }),
        button(t('consent.decline'), 'consent', { given: false }, 'secondary')),
    ];
  },

  photo(v) {
    // The photo taken, as it will be sent: the applicant accepts it or takes it again.
    if (v.photo_proposed) {
      return [
        el('h1', {}, t('photo.title')),
        promptLine(v),
        el('div', { id: 'preview-box', class: 'taken' }, el('img', { id: 'preview', alt: t('photo.taken_alt') })),
        el('div', { class: 'actions' },
          button(t('photo.accept'), 'photo_accept', {}, 'primary'),
          button(t('photo.retake'), 'retry', {}, 'secondary')),
      ];
    }
    const passing = v.photo && v.photo.passing > 0;
    return [
      el('h1', {}, t('photo.title')),
      promptLine(v),
      // The camera's picture, with the outline the face is to fill.
      el('div', { id: 'preview-box', class: passing ? 'passing' : '' },
        el('img', { id: 'preview', alt: '' }), el('div', { class: 'outline', 'aria-hidden': 'true' })),
      el('div', { class: 'actions' },
        button(t('ui.retry'), 'retry', {}, 'secondary'),
        button(t('photo.assisted'), 'call_staff', {}, 'secondary')),
    ];
  },

  fingerprints(v) {
    if (v.exemptions && v.exemptions.length) {
      return [
        el('h1', {}, t('fingers.title')),
        el('p', { class: 'prompt', id: 'prompt' }, t('fingers.exempt')),
        el('ul', {}, v.exemptions.map((r) => el('li', {}, t(`exemption.${r}`)))),
        el('div', { class: 'actions' }, button(t('ui.continue'), 'exempt')),
      ];
    }
    const fingers = v.fingers || {};
    const done = Object.values(fingers).filter((f) => f.state === 'done').length;
    return [
      el('h1', {}, t('fingers.title')),
      promptLine(v),
      hands(),
      el('p', { id: 'finger-progress' }, t('fingers.progress', { done })),
      el('div', { class: 'actions' },
        // Every finger given: on, or one given again (touched on the hands).
        v.fingers_complete ? button(t('ui.continue'), 'fingers_continue') : null,
        // The finger asked for when the button is pressed, named in the question; the record
        // tells a missing finger from one that cannot be printed.
        v.current_finger ? el('button', { class: 'secondary', 'data-action': 'finger_missing',
          onclick: () => {
            const position = ui.view.current_finger;
            ask('fingers.missing_confirm', { finger: t(`finger.${fingerName(position)}`) }, [
              { label: 'fingers.missing_amputated', action: 'finger_missing', extra: { position, code: 'amputated' } },
              { label: 'fingers.missing_unable', action: 'finger_missing', extra: { position, code: 'unable' } },
              { label: 'fingers.missing_back', cls: 'primary' },
            ]);
          } },
        t('fingers.cannot_give')) : null,
        v.fingers_complete ? null : button(t('ui.retry'), 'retry', {}, 'secondary')),
    ];
  },

  documents(v) {
    const current = v.paper && v.paper.id;
    // While a page is scanned or a document saved: a bar (always laid out, so that the list does
    // not move under the finger), every button held, and the document's own "Saving…".
    return [
      el('h1', {}, t('documents.title')),
      promptLine(v),
      el('img', { class: 'how', src: 'place-on-glass.svg', alt: '' }),
      el('progress', { class: v.busy ? '' : 'idle', max: 1, ...(v.progress !== undefined ? { value: v.progress } : {}) }),
      el('ul', { class: 'papers' }, (v.checklist || []).map((p) => el('li', { 'data-paper': p.id },
        el('strong', {}, t(`document.${p.id}`)), ' ',
        p.required ? null : el('span', { class: 'state' }, `(${t('documents.optional')})`),
        el('div', { class: 'state' },
          p.state === 'handed' ? t('documents.handed', { pages: p.pages })
            : p.state === 'skipped' ? t('documents.skipped')
              : current === p.id ? t('documents.pages_so_far', { pages: v.paper.pages }) : ''),
        // The last page scanned of the paper in hand, small: it came out whole and readable.
        current === p.id && v.paper.pages > 0
          ? el('img', { id: 'preview', class: 'page', alt: t('documents.last_page') }) : null,
        el('div', { class: 'actions' },
          button(current === p.id && v.paper.pages > 0 ? t('documents.scan_more') : t('documents.scan'),
            'scan', { id: p.id }, 'primary', { disabled: !!v.busy }),
          current === p.id && v.paper.pages > 0
            ? button(v.busy ? t('documents.saving') : t('documents.done'), 'paper_done', { id: p.id }, 'primary', { disabled: !!v.busy })
            : null,
          p.required ? null : button(t('documents.skip'), 'paper_skip', { id: p.id }, 'secondary', { disabled: !!v.busy }))))),
      el('div', { class: 'actions' }, button(t('ui.continue'), 'papers_done', {}, 'primary', { disabled: !!v.busy })),
    ];
  },

  review(v) {
    const fingers = Object.values(v.fingers || {}).filter((f) => f.state === 'done').length;
    const papers = v.checklist || [];
    // Each part as it will be sent, with a way to change it; the change comes back here.
    const change = (step) => button(t('review.change'), 'change', { step }, 'secondary', { 'data-change': step });
    return [
      el('h1', {}, t('review.title')),
      el('p', {}, el('strong', {}, t(`service.${v.service}`))),
      el('div', { class: 'review-top' },
        el('div', {}, passportDetails(v)),
        el('section', { class: 'portrait' },
          el('h2', {}, t('photo.title')),
          v.photo_taken ? el('img', { id: 'preview', class: 'photo', alt: t('photo.taken_alt') }) : null,
          change('photo'))),
      el('section', { class: 'part' },
        el('h2', {}, t('fingers.title')),
        el('p', {}, v.exemptions ? t('fingers.exempt') : t('review.fingers', { count: fingers })),
        v.exemptions ? null : change('fingerprints')),
      papers.length ? el('section', { class: 'part' },
        el('h2', {}, t('documents.title')),
        el('ul', { class: 'papers' }, papers.map((p) => el('li', { 'data-paper': p.id },
          el('strong', {}, t(`document.${p.id}`)), ' ',
          el('div', { class: 'state' }, p.state === 'handed' ? t('documents.handed', { pages: p.pages }) : t('documents.skipped'))))),
        change('documents')) : null,
      el('div', { class: 'actions' }, button(t('review.submit'), 'submit', {}, 'primary big')),
    ];
  },

  submitting() {
    return [el('h1', {}, t('submitting.title')), el('progress', {})];
  },

  receipt(v) {
    const r = v.receipt || {};
    const fee = r.fee > 0
      ? t('receipt.fee', { amount: new Intl.NumberFormat(ui.lang, { style: 'currency', currency: r.currency }).format(r.fee) })
      : t('receipt.no_fee');
    // Said as it is: queued on this kiosk until the office has taken it.
    const sent = v.delivery === 'sent';
    return [
      el('h1', {}, t(sent ? 'receipt.title' : 'receipt.title_queued')),
      el('p', { id: 'delivery', role: 'status' }, t(sent ? 'receipt.delivery_sent' : 'receipt.delivery_queued')),
      el('p', {}, t('receipt.code')),
      el('p', { class: 'code', id: 'tracking-code' }, v.tracking_code),
      el('img', { id: 'qr', src: `/api/receipt/qr.svg?code=${encodeURIComponent(v.tracking_code)}`, alt: '' }),
      el('p', {}, fee),
      r.fee > 0 ? el('p', {}, t('receipt.pay')) : null,
      el('p', {}, r.processing_days > 0 ? t('receipt.collect', { days: r.processing_days }) : t('receipt.collect_later')),
      v.print ? el('p', { id: 'print-state', role: 'status' }, t(`receipt.print_${v.print.state}`)) : null,
      el('div', { class: 'actions' },
        v.print ? button(t('receipt.print'), 'print', {}, 'primary', { id: 'print', disabled: v.print.state === 'printing' }) : null,
        button(t('receipt.finish'), 'finish', {}, v.print ? 'secondary' : 'primary')),
    ];
  },

  status_lookup(v) {
    // The kiosk has no keyboard: the code is typed on a pad of the 32 characters a tracking code
    // can hold (Crockford's base 32), shown grouped as on the receipt; or the receipt's QR code is
    // shown to the camera, whose picture is beside the pad, and the code read there fills it in.
    const l = v.lookup || {};
    if (l.code) ui.code = l.code.replace(/-/g, '');
    const input = el('input', { id: 'code', readonly: true, inputmode: 'none', autocomplete: 'off',
      'aria-label': t('status.enter_code'), dir: 'ltr', value: groupedCode(ui.code) });
    const type = (key) => {
      ui.code = key === 'delete' ? ui.code.slice(0, -1) : (ui.code + key).slice(0, 12);
      $('code').value = groupedCode(ui.code);
    };
    const pad = el('div', { class: 'codepad', dir: 'ltr' },
      [...CODE_ALPHABET].map((c) => el('button', { 'data-key': c, onclick: () => type(c) }, c)));
    let answer = null;
    if (l.busy) answer = el('progress', {});
    else if (l.error) answer = el('p', { class: 'prompt', id: 'status' }, t(l.error));
    else if (l.state) {
      answer = [el('p', { class: 'prompt', id: 'status' }, t(`status.state.${l.state}`)),
        el('p', {}, t('status.updated', { date: (l.updated_at || '').slice(0, 10) }))];
    }
    return [
      el('h1', {}, t('status.title')),
      answer,
      el('div', { class: 'qr-look' },
        el('img', { id: 'preview', alt: '' }),
        el('p', {}, t('status.show_qr'))),
      el('label', { for: 'code' }, t('status.enter_code')),
      el('div', { class: 'actions', dir: 'ltr' }, input,
        el('button', { 'data-key': 'delete', 'aria-label': t('status.delete'), onclick: () => type('delete') }, '⌫'),
        el('button', { class: 'primary', 'data-action': 'lookup', onclick: () => act('lookup', { code: ui.code }) },
          t('status.look_up'))),
      pad,
    ];
  },
};

// The applicant's way, as the step indicator counts it; the documents only when the service asks
// for papers (known once the passport is read).
const JOURNEY = ['service', 'data_page', 'consent', 'photo', 'fingerprints', 'documents', 'review'];
function renderSteps(v) {
  const journey = JOURNEY.filter((s) => s !== 'documents' || !v.passport || (v.checklist || []).length);
  const n = journey.indexOf(v.step) + 1;
  $('steps').hidden = n === 0;
  if (!n) return;
  $('steps').setAttribute('aria-label', t('ui.steps'));
  $('step-text').textContent = t('ui.step_of', { n, total: journey.length, name: t(`steps.${v.step}`) });
  $('step-bar').replaceChildren(...journey.map((s, i) => el('li', {
    class: i + 1 < n ? 'done' : i + 1 === n ? 'current' : '', 'aria-current': i + 1 === n ? 'step' : null,
  }, t(`steps.${s}`))));
}

const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const groupedCode = (code) => code.match(/.{1,4}/g)?.join('-') ?? '';

function passportDetails(v) {
  if (!v.passport) return null;
  const p = v.passport;
  const rows = [['surname', p.surname], ['given_names', p.given_names], ['document_number', p.document_number],
    ['nationality', p.nationality], ['date_of_birth', p.date_of_birth], ['date_of_expiry', p.date_of_expiry]];
  return [el('h2', {}, t('passport.details')),
    el('dl', {}, rows.map(([k, value]) => [el('dt', {}, t(`field.${k}`)), el('dd', { dir: 'ltr' }, value)]))];
}

const FINGERS = ['thumb', 'index', 'middle', 'ring', 'little'];
// The two hands as the applicant sees them palm down: left hand little finger first, then the
// right, each named. A finger given (or given up) is a button: touched, it can be given again.
// Built once a screen and updated in place (drawHands()), so that no finger is replaced under a tap.
function hands() {
  const hand = (side, first, order) => el('figure', { class: 'hand' },
    el('div', { class: 'fingers' }, order.map((i) => el('button', {
      class: `finger ${FINGERS[i]}`, 'data-position': first + i,
      onclick: () => redoFinger(first + i),
    }))),
    el('figcaption', {}, t(`fingers.${side}_hand`)));
  const drawn = el('div', { class: 'hands', dir: 'ltr' }, hand('left', 6, [4, 3, 2, 1, 0]), hand('right', 1, [0, 1, 2, 3, 4]));
  drawHands(drawn, ui.view);
  return drawn;
}
function drawHands(drawn, v) {
  const fingers = v.fingers || {};
  for (const b of drawn.querySelectorAll('[data-position]')) {
    const position = Number(b.dataset.position);
    const state = (fingers[position] || {}).state || '';
    const current = position === v.current_finger;
    b.className = ['finger', FINGERS[(position - 1) % 5], state, current ? 'current' : ''].join(' ');
    b.textContent = state === 'done' ? '✓' : state === 'missing' ? '✕' : '';
    const name = t(`finger.${fingerName(position)}`);
    b.setAttribute('aria-label', state ? `${name}: ${t(`fingers.state_${state}`)}` : name);
    b.disabled = !state;  // one not given yet is waited for, not chosen
    if (current) b.setAttribute('aria-current', 'step'); else b.removeAttribute('aria-current');
  }
}
function redoFinger(position) {
  const state = ((ui.view.fingers || {})[position] || {}).state;
  const finger = t(`finger.${fingerName(position)}`);
  if (state === 'done') {
    ask('fingers.redo_confirm', { finger }, [
      { label: 'fingers.redo_yes', action: 'finger_redo', extra: { position } },
      { label: 'fingers.redo_no', cls: 'primary' },
    ]);
  } else if (state === 'missing') {
    ask('fingers.undo_missing_confirm', { finger }, [
      { label: 'fingers.undo_missing_yes', action: 'finger_redo', extra: { position } },
      { label: 'fingers.undo_missing_no', cls: 'primary' },
    ]);
  }
}
function fingerName(position) {
  return `${position <= 5 ? 'right' : 'left'}_${FINGERS[(position - 1) % 5]}`;
}

// --- Rendering --------------------------------------------------------------------------------

async function render() {
  const v = ui.view;
  if (!v) return;
  if (v.language.code !== ui.lang) {
    ui.messages = await loadMessages(v.language.code);
    ui.lang = v.language.code;
  }
  document.documentElement.lang = v.language.code;
  document.documentElement.dir = v.language.rtl ? 'rtl' : 'ltr';
  document.title = t('ui.title');
  document.body.classList.toggle('contrast', !!v.display.high_contrast);
  document.body.classList.toggle('large', !!v.display.large_text);
  document.body.dataset.step = v.step;

  $('speech').textContent = t('ui.speech');
  $('speech').setAttribute('aria-pressed', String(!!v.display.speech));
  $('contrast').textContent = t('ui.high_contrast');
  $('contrast').setAttribute('aria-pressed', String(!!v.display.high_contrast));
  $('large').textContent = t('ui.large_text');
  $('large').setAttribute('aria-pressed', String(!!v.display.large_text));
  $('staff').textContent = v.staff_called ? t('ui.staff_called') : t('ui.call_staff');
  const langs = $('languages');
  const langKey = JSON.stringify([v.languages, v.language.code]);  // rebuilt only when they change
  if (langKey !== ui.langKey) {
    ui.langKey = langKey;
    langs.replaceChildren(...v.languages.map((l) => el('button', {
      lang: l.code, dir: l.rtl ? 'rtl' : 'ltr', 'aria-pressed': String(l.code === v.language.code),
      'data-language': l.code, onclick: () => act('language', { code: l.code }),
    }, l.name)));
  }

  renderSteps(v);
  const notice = v.device_problem ? t('ui.device_problem') : v.notice ? t(v.notice) : '';
  $('notice').hidden = !notice;
  $('notice').textContent = notice;

  // The screen is built again only when what it offers changes: a button replaced under a finger
  // loses the tap. Prompts, progress and the fingers' state are updated in place.
  if (v.step !== 'service') ui.asking = null;
  const key = screenKey(v);
  // A screen built again between a finger's press and its lift takes the button from under it
  // and the tap is lost: built as soon as the finger lifts, after its click (see wire()).
  if (key !== ui.screenKey && ui.pressed) {
    ui.deferred = true;
    updateInPlace(v);
  } else if (key !== ui.screenKey) {
    ui.screenKey = key;
    if (v.step !== 'status_lookup') ui.code = '';
    const screen = screens[v.step] ? screens[v.step](v) : [];
    $('screen').replaceChildren(...[screen].flat(3).filter((x) => x !== null && x !== undefined));
    if (ui.preview && $('preview')) $('preview').src = ui.preview;
    $('screen').scrollTop = 0;
    ui.more = overflowing();  // said with the screen, once, as it was built
  } else {
    updateInPlace(v);
  }

  const noWayBack = ['welcome', 'submitting', 'receipt'].includes(v.step);
  $('back').hidden = noWayBack;
  $('back').textContent = t('ui.back');
  $('cancel').hidden = ['welcome', 'submitting', 'receipt', 'status_lookup'].includes(v.step);  // nothing to lose there
  $('cancel').textContent = t('ui.cancel');

  renderQuestion();
  showMore();
  $('idle').hidden = v.idle.state !== 'warning';
  $('idle-text').textContent = t('idle.warning', { seconds: v.idle.seconds_left });
  $('idle-extend').textContent = t('idle.extend');

  speak(v);
}

// "More below": while the screen holds more than it shows (the services in a long list, large
// text), a bar under it says so, and a tap scrolls down; it goes once the end is in sight.
function overflowing() {
  const s = $('screen');
  return s.scrollHeight - s.scrollTop - s.clientHeight > 8;
}
function showMore() {
  $('more').textContent = `${t('ui.more_below')} ↓`;
  $('more').classList.toggle('shown', overflowing());
}

// What decides the screen's buttons: the view without what changes while the applicant waits.
function screenKey(v) {
  const { idle, prompt, progress, photo, notice, fingers, current_finger: current, ...rest } = v;
  return JSON.stringify([rest, v.step === 'fingerprints' ? !!current : fingers]);
}

function updateInPlace(v) {
  const line = promptLine(v);
  if ($('prompt') && line) $('prompt').textContent = line.textContent;
  else if (line) $('screen').querySelector('h1')?.after(line);
  const bar = $('screen').querySelector('progress');
  if (bar && v.progress !== undefined) bar.value = v.progress;
  const box = $('preview-box');
  if (box && !v.photo_proposed) box.className = v.photo && v.photo.passing > 0 ? 'passing' : '';
  const drawn = $('screen').querySelector('.hands');
  if (drawn) drawHands(drawn, v);
  const done = Object.values(v.fingers || {}).filter((f) => f.state === 'done').length;
  if ($('finger-progress')) $('finger-progress').textContent = t('fingers.progress', { done });
}

// Speech: everything a person needs from the screen now, once: the idle warning (said whether or
// not Read aloud is on: whoever stands there must hear that the session is about to end), the
// question asked, the notice, the title, the texts, the choices, and a tracking code character by
// character.
function spokenScreen(v) {
  if (v.idle.state === 'warning') return t('idle.warning', { seconds: v.idle.seconds_left });
  if (ui.confirming) {
    const labels = [...document.querySelectorAll('#confirm-choices button')].map((b) => b.textContent);
    return sentences([$('confirm-text').textContent, t('ui.choices', { choices: labels.join(', ') })]);
  }
  const parts = [];
  if (!$('notice').hidden) parts.push($('notice').textContent);
  for (const node of document.querySelectorAll('main h1, main h2, main p, main dt, main dd, main li > strong, main li > .state, main label')) {
    if (node.id === 'tracking-code') parts.push([...node.textContent.replace(/-/g, '')].join(' '));
    else if (node.textContent.trim()) parts.push(node.textContent.trim());
  }
  if (ui.more) parts.push(t('ui.more_below'));
  // (The code pad's 33 keys are not read out as choices.)
  const labels = [...document.querySelectorAll('main button:not([disabled]):not([data-key])')].map((b) => b.textContent.trim()).filter(Boolean);
  if (labels.length) parts.push(t('ui.choices', { choices: [...new Set(labels)].join(', ') }));
  return sentences(parts);
}

// Texts said one after another, each ended by a stop unless it has its own.
function sentences(parts) {
  return parts.map((p) => (/[.!?。؟:…]$/.test(p) ? p : `${p}.`)).join(' ');
}

// The speech service takes up to 2000 bytes of UTF-8 at a time: a long screen (the consent in
// Arabic) is said in pieces cut between sentences, fetched at once and played one after another.
function speechPieces(text, limit = 1800) {
  const bytes = (s) => new TextEncoder().encode(s).length;
  const pieces = [];
  let piece = '';
  for (let sentence of text.split(/(?<=[.!?。؟:])\s+/)) {
    while (bytes(sentence) > limit) {  // one sentence too long: cut it by characters
      let cut = Math.floor(limit / 4);
      while (cut < sentence.length && bytes(sentence.slice(0, cut + 1)) <= limit) cut += 1;
      pieces.push(sentence.slice(0, cut));
      sentence = sentence.slice(cut);
    }
    if (piece && bytes(`${piece} ${sentence}`) > limit) { pieces.push(piece); piece = ''; }
    piece = piece ? `${piece} ${sentence}` : sentence;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

function speak(v) {
  const warning = v.idle.state === 'warning';
  if (!v.display.speech && !warning) { ui.spoken = ''; return; }
  const text = spokenScreen(v);
  // The countdown changes every second: say it once when it starts.
  const key = warning ? 'idle' : `${v.language.code}|${text}`;
  if (!text || key === ui.spoken) return;
  ui.spoken = key;
  const lang = v.language.code;
  const turn = ui.speaking = (ui.speaking || 0) + 1;  // a newer screen silences this one
  const said = speechPieces(text).map((piece) => fetch(`/api/speech?lang=${lang}&text=${encodeURIComponent(piece)}`)
    .then(async (r) => {
      window.kioskSpeech.push({ lang, text: piece, status: r.status, type: r.headers.get('content-type') });
      return r.ok ? r.blob() : null;
    }).catch(() => null));
  (async () => {
    for (const pending of said) {
      const wav = await pending;
      if (turn !== ui.speaking) return;
      if (!wav) continue;
      const audio = $('voice');
      if (audio.src) URL.revokeObjectURL(audio.src);
      audio.src = URL.createObjectURL(wav);
      await new Promise((done) => { audio.onended = done; audio.onerror = done; audio.play().catch(done); });
    }
  })();
}

// --- The connection ---------------------------------------------------------------------------

function connect() {
  const ws = new WebSocket(`ws://${location.host}/api/live?token=${encodeURIComponent(kioskToken())}`);
  ws.binaryType = 'blob';
  ws.onmessage = (message) => {
    if (typeof message.data === 'string') {
      ui.view = JSON.parse(message.data);
      window.kioskView = ui.view;  // for the end-to-end tests
      render();
    } else {
      if (ui.preview) URL.revokeObjectURL(ui.preview);
      ui.preview = URL.createObjectURL(message.data);
      if ($('preview')) $('preview').src = ui.preview;
    }
  };
  ws.onclose = () => setTimeout(connect, 1000);
}

function wire() {
  $('speech').addEventListener('click', () => act('display', { speech: !ui.view.display.speech }));
  $('contrast').addEventListener('click', () => act('display', { high_contrast: !ui.view.display.high_contrast }));
  $('large').addEventListener('click', () => act('display', { large_text: !ui.view.display.large_text }));
  $('staff').addEventListener('click', () => act('call_staff'));
  // Staff who came to help hold the same button for five seconds: technician mode (behind its PIN).
  // While held, a bar fills along the button's foot (the .holding class), so the hold is seen.
  let held = null;
  $('staff').addEventListener('pointerdown', () => {
    $('staff').classList.add('holding');
    held = setTimeout(() => { location.href = '/technician.html'; }, 5000);
  });
  for (const end of ['pointerup', 'pointerleave', 'pointercancel']) {
    $('staff').addEventListener(end, () => { clearTimeout(held); $('staff').classList.remove('holding'); });
  }
  $('back').addEventListener('click', () => act('back'));
  $('cancel').addEventListener('click', () => ask('cancel.confirm', {}, [
    { label: 'cancel.no', cls: 'primary' },
    { label: 'cancel.yes', cls: 'danger', action: 'cancel' },
  ]));
  $('idle-extend').addEventListener('click', () => act('touch'));
  $('more').addEventListener('click', () => $('screen').scrollBy({ top: $('screen').clientHeight * 0.8, behavior: 'smooth' }));
  $('screen').addEventListener('scroll', showMore, { passive: true });
  $('screen').addEventListener('load', showMore, true);  // a picture that loads makes the screen longer
  window.addEventListener('resize', showMore);
  // Any touch or key is activity: tell the kiosk, at most every ten seconds.
  const activity = () => {
    const now = Date.now();
    if (now - ui.lastTouch > 10000 && ui.view && ui.view.step !== 'welcome') {
      ui.lastTouch = now;
      act('touch');
    }
  };
  document.addEventListener('pointerdown', activity, true);
  document.addEventListener('pointerdown', () => { ui.pressed = true; }, true);
  const lifted = () => {
    if (!ui.pressed) return;
    ui.pressed = false;
    // After the click that this lift makes, which goes to the button that was pressed.
    setTimeout(() => {
      if (ui.deferred && !ui.pressed) {
        ui.deferred = false;
        render();
      }
    }, 0);
  };
  for (const end of ['pointerup', 'pointercancel']) document.addEventListener(end, lifted, true);
  document.addEventListener('keydown', activity, true);
  // Headphones in, no sight needed: the S key (or the first button, where focus starts) speaks.
  document.addEventListener('keydown', (e) => {
    if ((e.key === 's' || e.key === 'S') && e.target.tagName !== 'INPUT') {
      act('display', { speech: !ui.view.display.speech });
    }
  });
}

(async () => {
  ui.english = await loadMessages('en');
  wire();
  $('speech').focus();
  connect();
})();
