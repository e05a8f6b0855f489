// The CVE audit: look up a CVE (GET /api/v1/audit/cves/{cve}: the record, hosts per verdict and
// the hosts), the fleet summary with its top CVEs (GET /api/v1/audit/summary), and what a group's
// policy change would do (GET /api/v1/audit/what-if). Filters: group and product.

import { get, seg } from '../api.js';
import { csaf, csv, downloads, oval } from '../download.js';
import { bar, chip, cveLink, facts, h, num, section, systemLink, table, VERDICTS, verdictChip } from '../dom.js';

export async function render(root, ctx) {
  const p = ctx.params;
  const cve = ctx.match[1] ? decodeURIComponent(ctx.match[1]) : '';
  const filter = { group: p.get('group') || '', product: p.get('product') || '' };
  const [summary, products] = await Promise.all([get('/api/v1/summary'), get('/api/v1/products')]);
  const groups = summary.groups.map((g) => g.group);

  root.append(h('h1', null, 'CVE audit'), lookupForm(ctx, cve, filter, groups, products));
  if (cve) {
    root.append(await cveReport(cve, filter));
  } else {
    root.append(await fleetSummary(filter));
  }
  root.append(whatIf(ctx, groups));
}

function lookupForm(ctx, cve, filter, groups, products) {
  const form = h('form', { class: 'filters', id: 'cve-lookup' },
    h('label', null, 'CVE', h('input', { name: 'cve', id: 'cve-id', type: 'text', value: cve, placeholder: 'CVE-2024-1086', pattern: '\\s*[Cc][Vv][Ee]-\\d{4}-\\d{4,}\\s*', spellcheck: 'false' })),
    h('label', null, 'Group', h('select', { name: 'group' }, h('option', { value: '' }, 'whole fleet'),
      groups.map((g) => h('option', { value: g, selected: g === filter.group }, g)))),
    h('label', null, 'Product', h('select', { name: 'product' }, h('option', { value: '' }, 'any product'),
      products.map((x) => {
        const triplet = x.identifier + '/' + x.version + '/' + x.arch;
        return h('option', { value: triplet, selected: triplet === filter.product }, x.name);
      }))),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', class: 'primary', id: 'cve-submit' }, 'Look up'),
      h('button', { type: 'button', class: 'quiet', onclick: () => ctx.go('#/cves', { group: form.elements.group.value, product: form.elements.product.value }) }, 'Fleet summary')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = form.elements.cve.value.trim().toUpperCase();
    const params = { group: form.elements.group.value, product: form.elements.product.value };
    ctx.go(id ? '#/cves/' + encodeURIComponent(id) : '#/cves', params);
  });
  return section('Look up a CVE', form);
}

async function cveReport(id, filter) {
  let r;
  try {
    r = await get('/api/v1/audit/cves/' + seg(id), { verdict: 'all', limit: 50, group: filter.group, product: filter.product });
  } catch (e) {
    if (e.status === 400 || e.status === 404) {
      return h('div', { class: 'error-box', id: 'cve-report', role: 'alert' }, e.message);
    }
    throw e;
  }
  const c = r.cve;
  const box = h('div', { id: 'cve-report', dataset: { cve: c.id } });
  box.append(section(c.id,
    downloads([csv('/api/v1/audit/cves/' + seg(c.id), { verdict: 'all', group: filter.group, product: filter.product }, 'klp-audit-' + c.id + '.csv'),
      oval({ cve: c.id, product: filter.product }, 'klp-oval-' + c.id + '.xml'), csaf([c.id])]),
    h('p', { class: 'summary', id: 'cve-summary' }, c.summary || 'no summary'),
    facts([
      ['CVSS', [c.cvss.toFixed(1), c.vector ? [' ', h('code', null, c.vector)] : '']],
      ['Published', c.published],
      ['Category', c.category],
      ['Live patch', [c.qualifies ? chip('in live patch scope', 'ok') : chip('out of live patch scope', 'muted'), ' ',
        c.livePatchPossible ? '' : chip('not live patchable: changes data structures', 'bad')]],
      ['Affected streams', h('ul', { class: 'plain' }, c.affected.map((a) => h('li', null, h('code', null, a.stream),
        a.introducedIn ? ' since ' + a.introducedIn : '', a.fixedIn ? [', fixed in ', h('code', null, a.fixedIn)] : ', no fixed kernel yet')))],
      ['Live patches carrying it', Object.keys(c.livePatches).length
        ? h('ul', { class: 'plain' }, Object.entries(c.livePatches).map(([k, v]) => h('li', null, h('code', null, k), ' from v' + v)))
        : 'none'],
    ])));
  const scope = [filter.group ? 'group ' + filter.group : '', filter.product ? 'product ' + filter.product : ''].filter(Boolean).join(', ');
  box.append(section('Hosts by verdict' + (scope ? ' (' + scope + ')' : ''),
    h('p', null, num(r.hosts) + ' hosts audited, ', h('b', { id: 'cve-at-risk', dataset: { value: r.atRisk } }, num(r.atRisk) + ' at risk'), ' (as of ' + r.asOf.slice(0, 19).replace('T', ' ') + ' UTC)'),
    bar(VERDICTS.map(([v, label, kind]) => ({ label, value: r.counts[v] || 0, kind, dataset: { verdict: v } })), { showZero: true }),
    VERDICTS.filter(([v]) => r.systems[v] && r.systems[v].count > 0).map(([v]) => {
      const list = r.systems[v];
      return h('details', { class: 'hosts', dataset: { verdict: v }, open: v !== 'NOT_AFFECTED' && v !== 'PATCHED_BY_KERNEL' },
        h('summary', null, verdictChip(v), ' ' + num(list.count) + ' hosts'),
        h('ul', { class: 'host-list' }, list.listed.map((x) => h('li', null, systemLink(x.id, x.hostname), h('span', { class: 'muted' }, ' ' + (x.group || ''))))),
        list.count > list.listed.length ? h('p', { class: 'muted' }, 'and ' + num(list.count - list.listed.length) + ' more (the API lists them all: ?limit=)') : null);
    })));
  return box;
}

async function fleetSummary(filter) {
  const s = await get('/api/v1/audit/summary', { top: 20, group: filter.group, product: filter.product });
  return section('Fleet summary' + (filter.group ? ' of group ' + filter.group : '') + (filter.product ? ' for ' + filter.product : ''),
    downloads([csv('/api/v1/audit/summary', { top: 20, group: filter.group, product: filter.product }, 'klp-audit-summary.csv'),
      oval({ product: filter.product }, 'klp-oval' + (filter.product ? '-' + filter.product.replaceAll('/', '_') : '') + '.xml'),
      csaf(s.topCves.map((c) => c.cve))]),
    h('p', { id: 'audit-summary-line' }, num(s.hosts) + ' hosts audited: ', h('b', null, num(s.hostsAtRisk) + ' at risk'), ', '
      + num(s.fixableByLivePatch) + ' safe after a live patch update, ' + num(s.needReboot) + ' need a reboot.'),
    h('h3', null, 'Hosts by their worst verdict'),
    bar(VERDICTS.map(([v, label, kind]) => ({ label, value: s.hostsByWorstVerdict[v] || 0, kind, dataset: { verdict: v } }))),
    h('h3', null, 'Top CVEs by hosts at risk'),
    table([{ label: 'CVE' }, { label: 'CVSS', class: 'num' }, { label: 'At risk', class: 'num' }, { label: 'Live patch fixes', class: 'num' },
      { label: 'Need reboot', class: 'num' }, { label: 'Verdicts' }],
    s.topCves.map((c) => [cveLink(c.cve), c.cvss.toFixed(1), num(c.hostsAtRisk), num(c.fixableByLivePatch), num(c.needReboot),
      h('span', { class: 'mini' }, VERDICTS.filter(([v]) => c.counts[v] > 0 && v !== 'NOT_AFFECTED').map(([v]) => [verdictChip(v), ' ' + num(c.counts[v]) + ' ']))]),
    { empty: 'No host is at risk from any CVE the server knows.', dataset: { table: 'top-cves' } }));
}

function whatIf(ctx, groups) {
  const out = h('div', { id: 'what-if-result' });
  const form = h('form', { class: 'filters', id: 'what-if' },
    h('label', null, 'Group', h('select', { name: 'group', required: true }, groups.map((g) => h('option', { value: g }, g)))),
    h('label', null, 'Change', h('select', { name: 'change' },
      h('option', { value: 'latest' }, 'update to the newest live patch'),
      h('option', { value: 'pin:1' }, 'pin to N-1'),
      h('option', { value: 'pin:2' }, 'pin to N-2'))),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Show what changes')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const [change, back] = form.elements.change.value.split(':');
    out.replaceChildren(h('p', { class: 'muted' }, 'Computing…'));
    try {
      const r = await get('/api/v1/audit/what-if', { group: form.elements.group.value, change, back });
      out.replaceChildren(
        h('p', null, num(r.hostsConsidered) + ' hosts in group ' + r.group + '; ' + num(r.hostsChanged) + ' would change: ',
          h('b', null, num(r.exposuresClosed) + ' exposures closed'), ', ', h('b', null, num(r.exposuresOpened) + ' opened'), '.'),
        table([{ label: 'CVE' }, { label: 'From' }, { label: 'To' }, { label: 'Hosts', class: 'num' }],
          r.changes.map((c) => [cveLink(c.cve), verdictChip(c.from), verdictChip(c.to), num(c.hosts)]), { empty: 'No verdict would change.' }));
    } catch (err) {
      out.replaceChildren(h('p', { class: 'error' }, err.message));
    }
  });
  return section('What if…', h('p', { class: 'muted' }, 'The verdicts a group\'s policy change would move, before making it.'), form, out);
}
