// What both screens (index.html, technician.html) build their pages with.
'use strict';

const $ = (id) => document.getElementById(id);

// What the kiosk put in this page for it to prove, with every request for the applicant's data or
// on their behalf, that it is the kiosk's own page (the screen server's X-Kiosk-Token).
const kioskToken = () => document.querySelector('meta[name=kiosk-token]')?.content ?? '';

// A catalogue's text for `key` ({name} placeholders filled from `args`), else the fallback
// catalogue's, else the key itself.
function translate(messages, fallback, key, args = {}) {
  let text = messages[key] ?? fallback[key] ?? key;
  for (const [name, value] of Object.entries(args)) text = text.split(`{${name}}`).join(String(value));
  return text;
}

// An element with attributes (onclick: a listener; true: present; null, undefined, false: absent)
// and children (nodes or text).
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'onclick') e.addEventListener('click', v);
    else if (k === 'class') e.className = v;
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {  // lists of lists (rows of [dt, dd]) flatten whole
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
