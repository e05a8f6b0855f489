// Systems: the filterable list of GET /api/v1/systems (hostname, group, kernel, live patch version,
// state, product, last seen), sortable (worst verdict, last check-in, hostname, …), paged; each
// with its worst CVE verdict, its kernel's end of support and its check-in age. The filters live in
// the URL (#/systems?group=db&state=forced&sort=worstVerdict&order=desc).

import { get } from '../api.js';
import { ago, chip, h, link, num, section, supportChip, systemLink, table, verdictChip } from '../dom.js';

const PAGE = 50;

const STATES = [
  ['', 'any state'],
  ['ready', 'ready (transition complete)'],
  ['in_progress', 'transition in progress'],
  ['forced', 'forced transition'],
  ['failed', 'last apply failed or reverted'],
  ['new', 'never checked in'],
];

// last seen, relative to this browser's clock
const SEEN = [
  ['', 'any time'],
  ['1h', 'seen in the last hour', 'after', 3600],
  ['24h', 'seen in the last 24 hours', 'after', 86400],
  ['not-1h', 'not seen for an hour', 'before', 3600],
  ['not-24h', 'not seen for a day', 'before', 86400],
  ['not-7d', 'not seen for a week', 'before', 7 * 86400],
];

const SORTS = [
  ['id', 'registration'],
  ['worstVerdict', 'worst verdict'],
  ['lastCheckin', 'last check-in'],
  ['hostname', 'hostname'],
  ['group', 'group'],
  ['kernel', 'kernel'],
];

const ORDERS = [
  ['asc', 'ascending'],
  ['desc', 'descending (worst, latest first)'],
];

function options(list, selected) {
  return list.map(([value, label]) => h('option', { value, selected: value === selected }, label));
}

export async function render(root, ctx) {
  const p = ctx.params;
  const filter = {
    group: p.get('group') || '',
    kernel: p.get('kernel') || '',
    version: p.get('version') || '',
    state: p.get('state') || '',
    product: p.get('product') || '',
    seen: p.get('seen') || '',
    hostname: p.get('hostname') || '',
    sort: p.get('sort') || '',
    order: p.get('order') || '',
  };
  const offset = Math.max(0, Number(p.get('offset')) || 0);
  const seen = SEEN.find((s) => s[0] === filter.seen);
  const since = seen && seen[3] ? new Date(Date.now() - seen[3] * 1000).toISOString() : null;
  const [summary, kernels, products, list] = await Promise.all([
    get('/api/v1/summary'),
    get('/api/v1/kernels'),
    get('/api/v1/products'),
    get('/api/v1/systems', {
      group: filter.group, kernel: filter.kernel, version: filter.version, state: filter.state, product: filter.product,
      seenAfter: seen && seen[2] === 'after' ? since : null, seenBefore: seen && seen[2] === 'before' ? since : null,
      hostname: filter.hostname, sort: filter.sort, order: filter.order,
      limit: PAGE, offset,
    }),
  ]);
  const newest = new Map(kernels.map((k) => [k.release, Math.max(...k.versions)]));
  const kernelNames = [...new Set([...kernels.map((k) => k.release), ...summary.postures.map((x) => x.kernel)])].sort();

  const form = h('form', { class: 'filters', id: 'system-filters' },
    h('label', null, 'Hostname', h('input', { name: 'hostname', type: 'search', maxlength: 255, value: filter.hostname, placeholder: 'any' })),
    h('label', null, 'Group', h('select', { name: 'group' }, h('option', { value: '' }, 'any group'),
      summary.groups.map((g) => h('option', { value: g.group, selected: g.group === filter.group }, g.group + ' (' + num(g.hosts) + ')')))),
    h('label', null, 'Kernel', h('select', { name: 'kernel' }, h('option', { value: '' }, 'any kernel'),
      kernelNames.map((k) => h('option', { value: k, selected: k === filter.kernel }, k)))),
    h('label', null, 'Live patch version', h('input', { name: 'version', type: 'number', min: 0, max: 100000, value: filter.version, placeholder: 'any' })),
    h('label', null, 'State', h('select', { name: 'state' }, options(STATES, filter.state))),
    h('label', null, 'Product', h('select', { name: 'product' }, h('option', { value: '' }, 'any product'),
      products.map((x) => {
        const triplet = x.identifier + '/' + x.version + '/' + x.arch;
        return h('option', { value: triplet, selected: triplet === filter.product }, x.name);
      }))),
    h('label', null, 'Last seen', h('select', { name: 'seen' }, options(SEEN, filter.seen))),
    h('label', null, 'Sort by', h('select', { name: 'sort' }, options(SORTS, filter.sort || 'id'))),
    h('label', null, 'Order', h('select', { name: 'order' }, options(ORDERS, filter.order || 'asc'))),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', class: 'primary' }, 'Filter'),
      h('button', { type: 'button', class: 'quiet', onclick: () => ctx.go('#/systems') }, 'Clear')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    ctx.go('#/systems', Object.fromEntries([...data.entries()].filter(([, v]) => v !== '')));
  });

  const rows = list.systems.map((s) => {
    const posture = s.posture;
    const state = [];
    if (!posture) {
      state.push(chip('never checked in', 'muted'));
    } else {
      state.push(posture.transition === 'in_progress' ? chip('in progress (' + posture.blockers + ' blocking)', 'info') : chip('ready', 'ok'));
      if (posture.forced) {
        state.push(' ', chip('forced', 'bad'));
      }
      if (posture.lastApply && (posture.lastApply.result === 'reverted' || posture.lastApply.result === 'failed')) {
        state.push(' ', chip('last apply ' + posture.lastApply.result, 'bad'));
      }
    }
    const top = posture ? newest.get(posture.kernel) : undefined;
    return h('tr', { dataset: { id: s.id } },
      h('td', null, systemLink(s.id, s.hostname || s.login)),
      h('td', { class: 'num' }, s.id),
      h('td', null, link('#/systems', { group: s.group }, s.group)),
      h('td', null, posture ? h('code', null, posture.kernel) : '–'),
      h('td', { class: 'num' }, posture ? (posture.loadedVersion ? 'v' + posture.loadedVersion : 'none') : '–',
        top !== undefined ? h('span', { class: posture.loadedVersion < top ? 'behind' : 'muted' }, ' of ' + top) : ''),
      h('td', null, state),
      h('td', { dataset: { verdict: s.worstVerdict || '' } }, s.worstVerdict ? verdictChip(s.worstVerdict) : '–'),
      h('td', { dataset: { support: s.support || '' } }, supportChip(s.support, s.endOfSupport)),
      h('td', { dataset: { age: s.checkinAgeSeconds === null ? '' : s.checkinAgeSeconds } }, s.lastCheckin ? ago(s.lastCheckin, s.checkinAgeSeconds) : 'never'),
      h('td', null, ago(s.lastSeen)),
      h('td', { class: 'num' }, num(s.checkins)));
  });

  const pager = h('div', { class: 'pager' },
    h('span', { id: 'systems-total', dataset: { total: list.total } },
      list.total === 0 ? 'No systems match.' : 'Systems ' + num(offset + 1) + '–' + num(offset + list.systems.length) + ' of ' + num(list.total)),
    offset > 0 ? h('button', { type: 'button', class: 'quiet', onclick: () => ctx.go('#/systems', { ...filter, offset: Math.max(0, offset - PAGE) }) }, '← Previous') : null,
    offset + PAGE < list.total ? h('button', { type: 'button', class: 'quiet', onclick: () => ctx.go('#/systems', { ...filter, offset: offset + PAGE }) }, 'Next →') : null);

  root.append(h('h1', null, 'Systems'),
    section('Filter', form),
    h('section', { class: 'card' }, pager,
      table([{ label: 'Host' }, { label: 'ID', class: 'num' }, { label: 'Group' }, { label: 'Kernel' }, { label: 'Live patch', class: 'num' },
        { label: 'State' }, { label: 'Worst verdict' }, { label: 'Kernel support' }, { label: 'Checked in' }, { label: 'Last seen' },
        { label: 'Check-ins', class: 'num' }], rows,
      { empty: 'No systems match these filters.', dataset: { table: 'systems' } })));
}
