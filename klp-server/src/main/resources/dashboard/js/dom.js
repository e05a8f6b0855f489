// Building the page from the API's data. Every value becomes a text node or an attribute set one
// by one; nothing is ever parsed as HTML. The server's Content-Security-Policy enforces it: with
// Trusted Types, a string handed to innerHTML or any other HTML sink throws.

/**
 * An element: h('td', {class: 'num'}, 42). Children are nodes or values (shown as text; null,
 * undefined and false are left out; arrays are flattened). Props: class, dataset (an object),
 * on<event> (a function), href (only links inside the dashboard: '#/…'), any other attribute.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key === 'class') {
      el.className = value;
    } else if (key === 'dataset') {
      for (const [k, v] of Object.entries(value)) {
        el.dataset[k] = String(v);
      }
    } else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'href') {
      el.setAttribute('href', inside(value));
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) {
      continue;
    }
    el.append(c instanceof Node ? c : String(c));
  }
}

/** Links stay inside the dashboard: no javascript: or other URL can come from data. */
function inside(href) {
  const s = String(href);
  if (!s.startsWith('#/')) {
    throw new Error('a dashboard link must start with #/, was ' + s);
  }
  return s;
}

/** A link to a view: link('#/systems', {group: 'db'}, 'db'). */
export function link(path, params, ...children) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') {
      q.set(k, String(v));
    }
  }
  const s = q.toString();
  return h('a', { href: path + (s ? '?' + s : '') }, ...children);
}

export function systemLink(id, label) {
  return h('a', { href: '#/systems/' + Number(id), dataset: { system: Number(id) } }, label === null || label === undefined || label === '' ? 'system ' + id : label);
}

export function cveLink(id) {
  return h('a', { class: 'cve', href: '#/cves/' + encodeURIComponent(id) }, id);
}

export function chip(text, kind) {
  return h('span', { class: 'chip ' + (kind || 'muted') }, text);
}

export function num(n) {
  return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US');
}

export function pct(part, whole) {
  return whole > 0 ? Math.round((100 * part) / whole) + '%' : '–';
}

/** 2025-06-01 14:03 UTC, from an ISO instant. */
export function when(iso) {
  if (!iso) {
    return '–';
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return String(iso);
  }
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** "3 h ago" from an ISO instant, by this browser's clock; the exact time is in the title. */
export function ago(iso, seconds) {
  if (!iso) {
    return h('span', { class: 'muted' }, 'never');
  }
  // the server's own count when it gives one (its clock decides staleness), else this browser's
  const s = seconds === undefined || seconds === null ? (Date.now() - new Date(iso).getTime()) / 1000 : seconds;
  let text;
  if (s < 90) {
    text = 'just now';
  } else if (s < 5400) {
    text = Math.round(s / 60) + ' min ago';
  } else if (s < 48 * 3600) {
    text = Math.round(s / 3600) + ' h ago';
  } else {
    text = Math.round(s / 86400) + ' days ago';
  }
  return h('time', { datetime: iso, title: when(iso) }, text);
}

/** A table: columns [{label, class}], rows of cells (nodes or values). */
export function table(columns, rows, options) {
  const opts = options || {};
  return h('div', { class: 'table-wrap' },
    h('table', { class: opts.class || '', dataset: opts.dataset || {} },
      h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.class, title: c.title }, c.label)))),
      h('tbody', null, rows.length === 0
        ? h('tr', null, h('td', { class: 'empty', colspan: columns.length }, opts.empty || 'Nothing to show.'))
        : rows.map((r) => r instanceof Node ? r : h('tr', null, r.map((cell, i) => h('td', { class: columns[i].class }, cell)))))));
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}

/** A labelled figure of the API: the test reads data-figure and compares it with the API. */
export function figure(key, label, value, options) {
  const opts = options || {};
  const body = [h('span', { class: 'value' }, num(value)), h('span', { class: 'label' }, label), opts.note ? h('span', { class: 'note' }, opts.note) : null];
  const props = { class: 'figure ' + (opts.kind || ''), dataset: { figure: key, value: value } };
  if (opts.href) {
    return h('a', { ...props, href: opts.href }, body);
  }
  return h('div', props, body);
}

/** A bar of parts [{label, value, kind}], each as wide as its share, with a legend. */
export function bar(parts, options) {
  const total = parts.reduce((sum, p) => sum + p.value, 0);
  const segments = h('div', { class: 'bar', role: 'img', 'aria-label': parts.map((p) => p.label + ' ' + p.value).join(', ') });
  for (const p of parts) {
    if (p.value > 0) {
      const seg = h('span', { class: 'seg ' + p.kind, title: p.label + ': ' + num(p.value) + ' (' + pct(p.value, total) + ')' });
      seg.style.flexGrow = String(p.value);
      segments.append(seg);
    }
  }
  const legend = h('ul', { class: 'legend' }, parts.filter((p) => p.value > 0 || (options && options.showZero)).map((p) =>
    h('li', { dataset: p.dataset || {} }, h('span', { class: 'swatch ' + p.kind }), p.label + ' ', h('b', { class: 'count' }, num(p.value)))));
  return h('div', { class: 'bar-block' }, segments, legend);
}

/** Label and look of each audit verdict, in the audit's rank order (worst last). */
export const VERDICTS = [
  ['NOT_AFFECTED', 'not affected', 'muted'],
  ['PATCHED_BY_KERNEL', 'patched by kernel', 'ok'],
  ['PATCHED_BY_LIVE_PATCH', 'patched by live patch', 'ok2'],
  ['LIVE_PATCH_IN_PROGRESS', 'live patch in progress', 'info'],
  ['LIVE_PATCH_AVAILABLE', 'live patch available', 'warn'],
  ['REBOOT_PENDING', 'reboot pending', 'warn2'],
  ['REBOOT_REQUIRED', 'reboot required', 'bad'],
  ['NO_FIX_YET', 'no fix yet', 'bad2'],
  ['UNKNOWN', 'unknown (stale)', 'muted'],
];

export function verdictChip(verdict) {
  const v = VERDICTS.find((x) => x[0] === verdict);
  return chip(v ? v[1] : String(verdict), v ? v[2] : 'muted');
}

/** Posture status of the fleet summary → label and look. */
export const POSTURE_STATUS = {
  newest: ['newest live patch', 'ok'],
  behind: ['update pending', 'warn'],
  'in-progress': ['in progress', 'info'],
  expired: ['support ended', 'bad'],
  'unsupported-kernel': ['unsupported kernel', 'bad2'],
};

export function postureChip(status) {
  const s = POSTURE_STATUS[status] || [status, 'muted'];
  return chip(s[0], s[1]);
}

/** Where a kernel stands in its live patch support (GET /api/v1/systems: support) → label and look. */
export const SUPPORT = {
  ok: ['supported', 'ok'],
  ending: ['support ends soon', 'warn'],
  ended: ['support ended', 'bad'],
  'unknown-kernel': ['kernel not in the catalog', 'bad2'],
};

export function supportChip(support, endOfSupport) {
  const s = SUPPORT[support];
  if (!s) {
    return '–';
  }
  return [chip(s[0], s[1]), endOfSupport ? h('span', { class: 'muted' }, ' ' + endOfSupport) : ''];
}

/** Linux taint flags by bit (Documentation/admin-guide/tainted-kernels.rst). */
const TAINT = ['P', 'F', 'S', 'R', 'M', 'B', 'U', 'D', 'A', 'W', 'C', 'I', 'O', 'E', 'L', 'K', 'X', 'T', 'N'];
const TAINT_WORDS = {
  P: 'proprietary module', F: 'module force-loaded', S: 'SMP with non-SMP CPU', R: 'module force-unloaded', M: 'machine check',
  B: 'bad page', U: 'user request', D: 'kernel died (oops)', A: 'ACPI table overridden', W: 'kernel warning', C: 'staging driver',
  I: 'firmware workaround', O: 'out-of-tree module', E: 'unsigned module', L: 'soft lockup', K: 'live patched', X: 'auxiliary',
  T: 'randomized struct layout', N: 'test module',
};

export function taintText(value) {
  const n = Number(value || 0);
  if (n === 0) {
    return 'none (0)';
  }
  const flags = [];
  for (let bit = 0; bit < TAINT.length; bit++) {
    if (Math.floor(n / 2 ** bit) % 2 === 1) {
      flags.push(TAINT[bit] + ' ' + TAINT_WORDS[TAINT[bit]]);
    }
  }
  return n + ': ' + flags.join(', ');
}

/** A definition list of [label, value] pairs; pairs with an undefined value are left out. */
export function facts(pairs, options) {
  return h('dl', { class: 'facts', dataset: (options && options.dataset) || {} },
    pairs.filter((p) => p[1] !== undefined).map(([k, v]) => [h('dt', null, k), h('dd', null, v === null || v === '' ? '–' : v)]));
}

/**
 * A modal question. Resolves to null (cancelled) or, with a text field, its value, else true.
 * {title, body: nodes, confirm: label, danger, field: {label, placeholder}}.
 */
export function ask(options) {
  return new Promise((resolve) => {
    const input = options.field ? h('input', { type: 'text', id: 'dialog-field', maxlength: 500, placeholder: options.field.placeholder || '' }) : null;
    const dialog = h('dialog', { class: 'ask', 'aria-labelledby': 'dialog-title' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'dialog-title' }, options.title),
        h('div', { class: 'dialog-body' }, options.body || []),
        input ? h('label', { for: 'dialog-field' }, options.field.label) : null,
        input,
        h('div', { class: 'buttons' },
          h('button', { type: 'button', class: 'quiet', id: 'dialog-cancel', onclick: () => dialog.close('cancel') }, 'Cancel'),
          h('button', { type: 'submit', class: options.danger ? 'danger' : 'primary', id: 'dialog-confirm', value: 'confirm' }, options.confirm || 'Confirm'))));
    dialog.addEventListener('close', () => {
      const ok = dialog.returnValue === 'confirm';
      dialog.remove();
      resolve(ok ? (input ? input.value.trim() : true) : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    // a dangerous action is never one Enter away
    (input || dialog.querySelector(options.danger ? '#dialog-cancel' : '#dialog-confirm')).focus();
  });
}

/** A short message at the top of the page (what an action did, or why it failed). */
export function notify(text, kind) {
  const box = document.getElementById('notice');
  box.replaceChildren(h('span', null, text), h('button', { type: 'button', class: 'quiet', onclick: () => { box.hidden = true; } }, 'Dismiss'));
  box.className = kind || 'ok';
  box.hidden = false;
}

export function errorBox(error) {
  const fromApi = error && error.name === 'ApiError';
  const status = fromApi && error.status ? 'HTTP ' + error.status + ': ' : '';
  return h('div', { class: 'error-box', role: 'alert' }, h('strong', null, fromApi ? 'The server could not answer. ' : 'This page failed (a bug of the dashboard): '),
    status + (error && error.message ? error.message : String(error)));
}
