// Fleet overview: systems by posture and state (GET /api/v1/summary), failed applies
// (GET /api/v1/systems?state=failed), halted rollouts, and the CVE exposure (GET /api/v1/audit/summary).

import { get } from '../api.js';
import { csaf, csv, downloads, oval } from '../download.js';
import { bar, chip, cveLink, figure, h, link, num, POSTURE_STATUS, postureChip, section, table, VERDICTS, when } from '../dom.js';

export async function render(root, ctx) {
  const [s, failed, audit] = await Promise.all([
    get('/api/v1/summary'),
    get('/api/v1/systems', { state: 'failed', limit: 1 }),
    get('/api/v1/audit/summary', { top: 5 }).catch((e) => ({ error: e })),
  ]);
  const neverCheckedIn = s.systems - s.checkedIn;

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
      figure('neverCheckedIn', 'never checked in', neverCheckedIn, { href: '#/systems?state=new', kind: neverCheckedIn ? 'muted' : '' })),
    h('h3', null, 'Live patch state'),
    h('div', { class: 'figures' },
      figure('patched', 'patched: newest live patch loaded', s.patched, { kind: 'ok' }),
      figure('behind', 'pending: a newer live patch exists', s.behind, { kind: s.behind ? 'warn' : '' }),
      figure('inProgress', 'transition in progress', s.inProgress, { href: '#/systems?state=in_progress', kind: s.inProgress ? 'info' : '' }),
      figure('forced', 'forced transition: reboot recommended', s.forced, { href: '#/systems?state=forced', kind: s.forced ? 'bad' : '' }),
      figure('failed', 'last apply failed or reverted', failed.total, { href: '#/systems?state=failed', kind: failed.total ? 'bad' : '' })),
    h('h3', null, 'Reboots and kernel support'),
    h('div', { class: 'figures' },
      figure('needingReboot', 'need a reboot now: forced, support ended or unsupported kernel', s.needingReboot, { href: '#/lifecycle', kind: s.needingReboot ? 'bad' : '' }),
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
  if (audit.error) {
    exposure.append(h('p', { class: 'error' }, 'The CVE audit cannot answer: ' + audit.error.message));
  } else {
    exposure.append(
      downloads([csv('/api/v1/audit/summary', { top: 5 }, 'klp-top-cves.csv'), oval({}, 'klp-oval.xml'),
        csaf(audit.topCves.map((c) => c.cve))]),
      h('div', { class: 'figures' },
        figure('auditHosts', 'hosts audited', audit.hosts),
        figure('hostsAtRisk', 'hosts at risk from a known CVE', audit.hostsAtRisk, { kind: audit.hostsAtRisk ? 'bad' : 'ok', href: '#/cves' }),
        figure('fixableByLivePatch', 'safe after a live patch update', audit.fixableByLivePatch, { kind: audit.fixableByLivePatch ? 'warn' : '' }),
        figure('needReboot', 'need a reboot to be safe from every known CVE', audit.needReboot, { kind: audit.needReboot ? 'bad' : '' })),
      h('h3', null, 'Hosts by their worst verdict'),
      bar(VERDICTS.map(([v, label, kind]) => ({ label, value: audit.hostsByWorstVerdict[v] || 0, kind, dataset: { verdict: v } }))),
      h('h3', null, 'Top CVEs'),
      table([{ label: 'CVE' }, { label: 'CVSS', class: 'num' }, { label: 'Hosts at risk', class: 'num' },
        { label: 'Fixable by live patch', class: 'num' }, { label: 'Need reboot', class: 'num' }],
      audit.topCves.map((c) => [cveLink(c.cve), c.cvss.toFixed(1), num(c.hostsAtRisk), num(c.fixableByLivePatch), num(c.needReboot)]),
      { empty: 'No host is at risk from any CVE the server knows.' }));
  }
  root.append(exposure);

  root.append(section('Groups',
    table([{ label: 'Group' }, { label: 'Hosts', class: 'num' }],
      s.groups.map((g) => [link('#/systems', { group: g.group }, g.group), num(g.hosts)]), { empty: 'No systems registered yet.' }),
    link('#/rollouts', null, 'Policies, pins and rollouts →')));
}
