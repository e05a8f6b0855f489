// Lifecycle: hosts whose kernel's live patch support ends within N days
// (GET /api/v1/audit/lifecycle/ending?days=N), hosts past it (…/expired), the reboot plan
// (GET /api/v1/audit/reboot-plan) and the live patch coverage per kernel stream (…/coverage).

import { get } from '../api.js';
import { csv, downloads } from '../download.js';
import { chip, cveLink, h, link, num, section, systemLink, table } from '../dom.js';

const LISTED = 100;
const PLANNED = 50;

/** A host list, folded away when long. */
function hosts(total, list) {
  return h('details', { class: 'hosts', open: total <= 25 }, h('summary', null, total <= 25 ? 'Hosts' : 'Show the hosts'), list);
}

function more(total, shown) {
  return total > shown ? h('p', { class: 'muted' }, 'Showing ' + num(shown) + ' of ' + num(total) + '; the API pages the rest (limit, offset, format=csv).') : null;
}

export async function render(root, ctx) {
  const requested = ctx.params.has('days') ? Number(ctx.params.get('days')) : NaN;
  const days = Number.isInteger(requested) && requested >= 0 && requested <= 3650 ? requested : 30;
  const [summary, ending, expired, plan, coverage] = await Promise.all([
    get('/api/v1/summary'),
    get('/api/v1/audit/lifecycle/ending', { days, limit: LISTED }),
    get('/api/v1/audit/lifecycle/expired', { limit: LISTED }),
    get('/api/v1/audit/reboot-plan', { limit: PLANNED }),
    get('/api/v1/audit/coverage'),
  ]);

  const form = h('form', { class: 'filters inline', id: 'lifecycle-days' },
    h('label', null, 'Support ending within', h('input', { name: 'days', type: 'number', min: 0, max: 3650, value: days, required: true }), ' days'),
    h('button', { type: 'submit', class: 'primary' }, 'Show'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.go('#/lifecycle', { days: form.elements.days.value });
  });

  // hosts per kernel, by end of support: what zypper lifecycle says of one host, for the fleet
  const perKernel = new Map();
  for (const p of summary.postures) {
    const k = perKernel.get(p.kernel) || { kernel: p.kernel, endOfSupport: p.endOfSupport, expired: false, hosts: 0 };
    k.hosts += p.hosts;
    k.expired = k.expired || p.status === 'expired';
    perKernel.set(p.kernel, k);
  }
  const kernels = [...perKernel.values()].sort((a, b) => (a.endOfSupport || '9999').localeCompare(b.endOfSupport || '9999'));

  const hostColumns = [{ label: 'Host' }, { label: 'Group' }, { label: 'Kernel' }, { label: 'End of support' }, { label: 'Days left', class: 'num' }];
  const hostRow = (x) => [systemLink(x.id, x.hostname), x.group, h('code', null, x.kernel), x.endOfSupport, num(x.daysLeft)];

  root.append(h('h1', null, 'Lifecycle'),
    section('Running kernels by end of live patch support',
      table([{ label: 'Kernel' }, { label: 'End of support' }, { label: '' }, { label: 'Hosts', class: 'num' }],
        kernels.map((k) => h('tr', { dataset: { kernel: k.kernel } }, h('td', null, h('code', null, k.kernel)), h('td', null, k.endOfSupport || 'not in the catalog'),
          h('td', null, k.expired ? chip('ended: reboot into a newer kernel', 'bad') : k.endOfSupport ? '' : chip('no live patches', 'bad2')),
          h('td', { class: 'num' }, link('#/systems', { kernel: k.kernel }, num(k.hosts))))),
        { empty: 'No host has checked in yet.', dataset: { table: 'lifecycle-kernels' } })),
    section('Support ending soon', form, downloads([csv('/api/v1/audit/lifecycle/ending', { days }, 'klp-support-ending-' + days + '-days.csv')]),
      h('p', { id: 'ending-total', dataset: { total: ending.total } }, num(ending.total) + ' hosts run a kernel whose live patch support ends within ' + days + ' days.'),
      hosts(ending.total, table(hostColumns, ending.systems.map(hostRow), { empty: 'None.', dataset: { table: 'ending' } })), more(ending.total, ending.systems.length)),
    section('Support ended', downloads([csv('/api/v1/audit/lifecycle/expired', {}, 'klp-support-ended.csv')]),
      h('p', { id: 'expired-total', dataset: { total: expired.total } }, num(expired.total) + ' hosts run a kernel past its end of support: they get no more live patches and must reboot into a newer kernel.'),
      hosts(expired.total, table(hostColumns, expired.systems.map(hostRow), { empty: 'None.', dataset: { table: 'expired' } })), more(expired.total, expired.systems.length)),
    section('Reboot plan', downloads([csv('/api/v1/audit/reboot-plan', {}, 'klp-reboot-plan.csv')]),
      h('p', { id: 'reboot-total', dataset: { total: plan.total } }, num(plan.total) + ' hosts, the date each must reboot by (its kernel\'s end of support) and the kernel to move to.'),
      hosts(plan.total, table([{ label: 'Host' }, { label: 'Group' }, { label: 'Running' }, { label: 'Reboot by' }, { label: 'Days left', class: 'num' }, { label: 'Move to' }],
        plan.systems.map((x) => [systemLink(x.id, x.hostname), x.group, h('code', null, x.running),
          [x.rebootBy || '–', x.overdue ? [' ', chip('overdue', 'bad')] : ''], x.daysLeft === null ? '–' : num(x.daysLeft),
          x.moveTo ? [h('code', null, x.moveTo), x.moveToInstalled ? ' (installed)' : ''] : '–']),
        { empty: 'No host needs a reboot.', dataset: { table: 'reboot-plan' } })), more(plan.total, plan.systems.length)),
    section('Live patch coverage per kernel stream', downloads([csv('/api/v1/audit/coverage', {}, 'klp-coverage.csv')]),
      table([{ label: 'Stream' }, { label: 'Qualifying CVEs', class: 'num' }, { label: 'Live patched', class: 'num' }, { label: 'Share', class: 'num' },
        { label: 'Median days to a live patch', class: 'num' }, { label: 'Not live patched' }],
      coverage.streams.map((c) => [h('code', null, c.stream), num(c.qualifying), num(c.livePatched), Math.round(c.share * 100) + '%',
        c.medianDaysToLivePatch === null ? '–' : num(c.medianDaysToLivePatch),
        h('ul', { class: 'plain' }, c.notLivePatched.map((u) => h('li', null, cveLink(u.cve), ' ' + u.detail)))]),
      { empty: 'No CVE records yet.' })));
}
