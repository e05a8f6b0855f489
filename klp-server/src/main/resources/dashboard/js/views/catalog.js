// The catalog: products (GET /api/v1/products), kernels with their end of support
// (GET /api/v1/kernels) and, opened one kernel at a time, its live patch versions with the fixes
// and CVEs each carries (GET /api/v1/kernels/{kernel}/live-patches).

import { get, seg } from '../api.js';
import { csaf, downloads, oval } from '../download.js';
import { chip, cveLink, h, section, table } from '../dom.js';

export async function render(root) {
  const [products, kernels] = await Promise.all([get('/api/v1/products'), get('/api/v1/kernels')]);
  const names = new Map(products.map((p) => [p.id, p.identifier + '/' + p.version + '/' + p.arch]));
  const today = new Date().toISOString().slice(0, 10);

  root.append(h('h1', null, 'Catalog'),
    section('Products',
      downloads([oval({}, 'klp-oval.xml')]),
      table([{ label: 'Product' }, { label: 'Name' }, { label: 'Extends' }, { label: 'Registration code' }],
        products.map((p) => [h('code', null, p.identifier + '/' + p.version + '/' + p.arch), p.name, p.baseId ? h('code', null, names.get(p.baseId) || p.baseId) : 'base product',
          p.free ? 'not needed (free)' : 'needed']),
        { empty: 'No products yet: POST /api/v1/products.', dataset: { table: 'products' } })),
    section('Kernels and their live patches',
      table([{ label: 'Kernel' }, { label: 'Product' }, { label: 'Released' }, { label: 'End of support' }, { label: 'Live patch versions', class: 'num' }],
        kernels.map((k) => h('tr', { dataset: { kernel: k.release } }, h('td', null, h('code', null, k.release)), h('td', null, k.product), h('td', null, k.released),
          h('td', null, k.endOfSupport, ' ', support(k.endOfSupport, today)), h('td', { class: 'num' }, 'v1–v' + Math.max(...k.versions)))),
        { empty: 'No kernels yet: POST /api/v1/kernels.', dataset: { table: 'kernels' } }),
      kernels.map((k) => livePatches(k))));
}

function support(endOfSupport, today) {
  if (endOfSupport < today) {
    return chip('ended', 'bad');
  }
  const days = Math.round((Date.parse(endOfSupport) - Date.parse(today)) / 86400000);
  return days <= 30 ? chip(days + ' days left', 'warn') : chip(days + ' days left', 'muted');
}

/** A kernel's live patch versions, fetched when the operator opens them. */
function livePatches(k) {
  const body = h('div', { class: 'patches' }, h('p', { class: 'muted' }, 'Loading…'));
  const details = h('details', { class: 'kernel-patches', dataset: { kernel: k.release } },
    h('summary', null, 'Live patches of ', h('code', null, k.release)), body);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) {
      return;
    }
    loaded = true;
    try {
      const versions = await get('/api/v1/kernels/' + seg(k.release) + '/live-patches');
      const cves = versions.flatMap((v) => v.fixes.map((f) => f.id)).filter((id) => /^CVE-/.test(id));
      body.replaceChildren(downloads([oval({ kernel: k.release }, 'klp-oval-' + k.release + '.xml'), csaf(cves, 'klp-csaf-vex-' + k.release + '.zip')]),
        table([{ label: 'Version', class: 'num' }, { label: 'Package' }, { label: 'Released' }, { label: 'Fixes (cumulative)' }],
        versions.map((v) => h('tr', { dataset: { version: v.version } }, h('td', { class: 'num' }, 'v' + v.version),
          h('td', null, h('code', null, v.rpm || v.packageName)), h('td', null, v.released),
          h('td', null, v.fixes.length === 0 ? h('span', { class: 'muted' }, v.version === 1 ? 'initial patch: no fixes' : 'none')
            : h('ul', { class: 'plain' }, v.fixes.map((f) => h('li', null, /^CVE-/.test(f.id) ? cveLink(f.id) : h('code', null, f.id),
              f.cvss ? ' ' + f.cvss.toFixed(1) : '', ' ', h('span', { class: 'muted' }, f.summary || ''),
              f.category && f.category !== 'SECURITY' ? [' ', chip(f.category.toLowerCase().replace('_', ' '), 'info')] : '')))))),
        { dataset: { table: 'live-patches' } }));
      details.dataset.loaded = 'true';
    } catch (e) {
      loaded = false;
      body.replaceChildren(h('p', { class: 'error' }, e.message));
    }
  });
  return details;
}
