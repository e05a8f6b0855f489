// Fleet overview: every figure from one answer, GET /api/v1/summary, computed from one read of the
// CVE audit on the server, so that no two figures contradict: hosts by what it takes to make them
// safe from every known CVE (they add up to the hosts that checked in), by live patch posture, by
// kernel support; halted rollouts; the CVEs that put the most hosts at risk.

import { get } from '../api.js';
import { csaf, csv, downloads, oval } from '../download.js';
import { bar, chip, cveLink, figure, h, link, num, POSTURE_STATUS, postureChip, section, table, VERDICTS, when } from '../dom.js';

export async function render(root, ctx) {
  const s = await get('/api/v1/summary', { top: 5 });

  root.append(h('h1', null, 'Fleet overview'));

  if (s.haltedRollouts.length > 0) {
    root.append(h('section', { class: 'card alert', id: 'halted-rollouts' },
      h('h2', null, 'Halted rollouts'),
      h('ul', null, s.haltedRollouts.map((r) => h('li', { dataset: { rollout: r.group + '/' + r.kernel + '/' + r.version } },
        h('b', null, 'version ' + r.version + ' of ' + r.kernel + ' → group ' + r.group), ': ', h('span', { class: 'reason' }, r.reason),
        h('span', { class: 'muted' }, ' (' + when(r.changedAt) + ')')))),
      link('#/rollouts', null, 'Rollouts and policies →')));
  }

  root.append(section('Systems',
    h('div', { class: 'figures' },
      figure('systems', 'registered systems', s.systems, { href: '#/systems' }),
      figure('checkedIn', 'checked in', s.checkedIn),
      figure('neverCheckedIn', 'never checked in', s.neverCheckedIn, { href: '#/systems?state=new', kind: s.neverCheckedIn ? 'muted' : '' })),
    h('h3', null, 'What it takes to be safe from every known CVE'),
    h('p', { class: 'muted' }, 'Each host that checked in is counted once, by its worst CVE verdict; these add up to the hosts that checked in.'),
    h('div', { class: 'figures', id: 'remedies' },
      figure('safe', 'safe: nothing to do', s.safe, { kind: 'ok', href: '#/systems?sort=worstVerdict&order=desc' }),
      figure('fixableByLivePatch', 'a live patch update', s.fixableByLivePatch, { kind: s.fixableByLivePatch ? 'warn' : '' }),
      figure('needReboot', 'a reboot', s.needReboot, { kind: s.needReboot ? 'bad' : '', href: '#/lifecycle' }),
      figure('noFixYet', 'nothing yet: a CVE without a fix', s.noFixYet, { kind: s.noFixYet ? 'bad' : '' }),
      figure('unknown', 'unknown: overdue check-in', s.unknown, { kind: s.unknown ? 'muted' : '' })),
    h('h3', null, 'Live patch state'),
    h('div', { class: 'figures' },
      figure('onNewest', 'newest live patch loaded', s.onNewest, { kind: 'ok' }),
      figure('behind', 'pending: a newer live patch exists', s.behind, { kind: s.behind ? 'warn' : '' }),
      figure('inProgress', 'transition in progress', s.inProgress, { href: '#/systems?state=in_progress', kind: s.inProgress ? 'info' : '' }),
      figure('forced', 'forced transition: reboot recommended', s.forced, { href: '#/systems?state=forced', kind: s.forced ? 'bad' : '' }),
      figure('failedApplies', 'last apply failed or reverted', s.failedApplies, { href: '#/systems?state=failed', kind: s.failedApplies ? 'bad' : '' })),
    h('h3', null, 'Kernel support'),
    h('div', { class: 'figures' },
      figure('expiringWithin30Days', 'kernel support ends within 30 days', s.expiringWithin30Days, { href: '#/lifecycle', kind: s.expiringWithin30Days ? 'warn' : '' }),
      figure('expired', 'kernel support ended', s.expired, { href: '#/lifecycle', kind: s.expired ? 'bad' : '' }),
      figure('unsupportedKernel', 'kernel not in the catalog', s.unsupportedKernel, { kind: s.unsupportedKernel ? 'bad' : '' }))));

  const byStatus = {};
  for (const p of s.postures) {
    byStatus[p.status] = (byStatus[p.status] || 0) + p.hosts;
  }
  root.append(section('Hosts by posture',
    h('p', { class: 'muted' }, 'A posture is a kernel release with a loaded live patch version. Hosts on a kernel past its end of support count as "support ended", whatever they have loaded.'),
    bar(Object.entries(POSTURE_STATUS).map(([key, [label, kind]]) => ({ label, value: byStatus[key] || 0, kind, dataset: { status: key } }))),
    table([
      { label: 'Kernel' }, { label: 'Live patch', class: 'num' }, { label: 'Status' }, { label: 'Transition' },
      { label: 'End of support' }, { label: 'Hosts', class: 'num' }],
    s.postures.map((p) => h('tr', { dataset: { kernel: p.kernel, version: p.version } },
      h('td', null, h('code', null, p.kernel)),
      h('td', { class: 'num' }, p.version === 0 ? 'none' : 'v' + p.version, p.newest ? h('span', { class: 'muted' }, ' of ' + p.newest) : ''),
      h('td', null, postureChip(p.status)),
      h('td', null, p.transition === 'in_progress' ? chip('in progress', 'info') : 'ready', p.forced ? [' ', chip('forced', 'bad')] : ''),
      h('td', null, p.endOfSupport || '–'),
      h('td', { class: 'num' }, link('#/systems', { kernel: p.kernel, version: p.version }, num(p.hosts))))),
    { empty: 'No host has checked in yet.', dataset: { table: 'postures' } })));

  const exposure = section('CVE exposure');
  exposure.id = 'cve-exposure';
  exposure.append(
    downloads([csv('/api/v1/audit/summary', { top: 5 }, 'klp-top-cves.csv'), oval({}, 'klp-oval.xml'),
      csaf(s.topCves.map((c) => c.cve))]),
    h('div', { class: 'figures' },
      figure('hostsAtRisk', 'hosts at risk from a known CVE', s.hostsAtRisk, { kind: s.hostsAtRisk ? 'bad' : 'ok', href: '#/cves' }),
      figure('exposuresLivePatch', 'exposures a live patch update closes', s.exposures.livePatchUpdate),
      figure('exposuresReboot', 'exposures only a reboot closes', s.exposures.reboot),
      figure('exposuresNoFix', 'exposures nothing closes yet', s.exposures.noFixYet)),
    h('h3', null, 'Hosts by their worst verdict'),
    bar(VERDICTS.map(([v, label, kind]) => ({ label, value: s.hostsByWorstVerdict[v] || 0, kind, dataset: { verdict: v } }))),
    h('h3', null, 'Top CVEs'),
    table([{ label: 'CVE' }, { label: 'CVSS', class: 'num' }, { label: 'Hosts at risk', class: 'num' },
      { label: 'Fixable by live patch', class: 'num' }, { label: 'Need reboot', class: 'num' }],
    s.topCves.map((c) => [cveLink(c.cve), c.cvss.toFixed(1), num(c.hostsAtRisk), num(c.fixableByLivePatch), num(c.needReboot)]),
    { empty: 'No host is at risk from any CVE the server knows.' }));
  root.append(exposure);

  root.append(section('Groups',
    table([{ label: 'Group' }, { label: 'Hosts', class: 'num' }],
      s.groups.map((g) => [link('#/systems', { group: g.group }, g.group), num(g.hosts)]), { empty: 'No systems registered yet.' }),
    link('#/rollouts', null, 'Policies, pins and rollouts →')));
}
