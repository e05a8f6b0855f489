// The public lifecycle page (no login): /lifecycle.json, every kernel the catalog maintains with its
// live patches and end of support, or one kernel by what `uname -r` prints on a host. Everything
// from the server becomes text through h(), as on the dashboard.

import { chip, h, num } from '../dom.js';

const $ = (id) => document.getElementById(id);

async function load(uname) {
  const res = await fetch('/lifecycle.json' + (uname ? '?uname=' + encodeURIComponent(uname) : ''), { cache: 'no-store', credentials: 'omit', redirect: 'error' });
  const body = await res.json();
  if (!res.ok) {
    throw new Error(body && typeof body.error === 'string' ? body.error : 'HTTP ' + res.status);
  }
  return body;
}

function support(k) {
  if (k.support === 'ended') {
    return chip('ended ' + num(-k.daysLeft) + ' days ago: reboot into a newer kernel', 'bad');
  }
  if (k.support === 'ending') {
    return chip('ends in ' + num(k.daysLeft) + ' days', 'warn');
  }
  return chip(num(k.daysLeft) + ' days left', 'ok');
}

function kernel(k, open) {
  const newest = k.livePatches.length ? k.livePatches[k.livePatches.length - 1] : null;
  return h('details', { class: 'card kernel', dataset: { kernel: k.kernel, support: k.support }, open },
    h('summary', null, h('code', null, k.kernel), ' ', support(k), h('span', { class: 'muted' }, ' · ' + k.productName
      + (newest ? ' · newest live patch v' + newest.version + ' of ' + newest.released : ''))),
    h('dl', { class: 'facts' },
      h('dt', null, 'Product'), h('dd', null, h('code', null, k.product), ' ' + k.productName),
      h('dt', null, 'Kernel released'), h('dd', null, k.released),
      h('dt', null, 'End of live patch support'), h('dd', { class: 'end-of-support' }, k.endOfSupport),
      h('dt', null, 'Package'), h('dd', null, h('code', null, k.packageName))),
    h('table', null,
      h('thead', null, h('tr', null, h('th', { class: 'num' }, 'Version'), h('th', null, 'Released'), h('th', null, 'Fixes it adds'), h('th', { class: 'num' }, 'Fixes in all'))),
      h('tbody', null, k.livePatches.map((v) => h('tr', { dataset: { version: v.version } },
        h('td', { class: 'num' }, 'v' + v.version), h('td', { class: 'nowrap' }, v.released),
        h('td', null, v.fixesAdded.length === 0 ? h('span', { class: 'muted' }, v.version === 1 ? 'initial patch: no fixes' : 'none')
          : h('ul', { class: 'plain' }, v.fixesAdded.map((f) => h('li', null, h('code', null, f.id), f.cvss ? ' CVSS ' + f.cvss.toFixed(1) : '',
            f.summary ? [' ', h('span', { class: 'muted' }, f.summary)] : '')))),
        h('td', { class: 'num' }, num(v.fixesCarried)))))));
}

async function show(uname) {
  const box = $('kernels');
  const answer = $('answer');
  box.dataset.state = 'loading';
  answer.hidden = true;
  try {
    const data = await load(uname);
    if (uname) {
      const k = data.kernels[0];
      answer.replaceChildren(h('code', null, k.kernel), ' is maintained: ', support(k), ', live patches until ' + k.endOfSupport + '.');
      answer.className = k.support === 'ended' ? 'error' : '';
      answer.hidden = false;
    }
    box.replaceChildren(h('p', { class: 'muted' }, num(data.kernels.length) + (data.kernels.length === 1 ? ' kernel' : ' kernels') + ' as of ' + data.asOf),
      ...data.kernels.map((k) => kernel(k, Boolean(uname))));
    box.dataset.state = 'ready';
  } catch (e) {
    answer.replaceChildren(e.message);
    answer.className = 'error';
    answer.hidden = false;
    box.replaceChildren();
    box.dataset.state = 'error';
  }
}

function fromHash() {
  const m = /^#uname=(.*)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : '';
}

document.addEventListener('DOMContentLoaded', () => {
  $('search').addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = 'uname=' + encodeURIComponent($('uname').value.trim());
  });
  $('all').addEventListener('click', () => {
    $('uname').value = '';
    history.replaceState(null, '', location.pathname);
    show('');
  });
  window.addEventListener('hashchange', () => show(fromHash()));
  $('uname').value = fromHash();
  show(fromHash());
});
