// One system: its record and posture (GET /api/v1/systems/{id}), its CVE audit findings worst
// first with their evidence (GET /api/v1/audit/systems/{id}) and its history (…/history).

import { ApiError, get } from '../api.js';
import { csaf, csv, downloads, oval } from '../download.js';
import { ago, chip, cveLink, facts, h, link, num, section, supportChip, table, taintText, VERDICTS, verdictChip, when } from '../dom.js';

export async function render(root, ctx) {
  const id = Number(ctx.match[1]);
  const [detail, history] = await Promise.all([
    get('/api/v1/systems/' + id),
    get('/api/v1/systems/' + id + '/history', { limit: 200 }),
  ]);
  const s = detail.system;
  const posture = s.posture;
  // a system that never checked in is not in the audit yet
  const audit = posture ? await get('/api/v1/audit/systems/' + id).catch((e) => ({ error: e })) : null;

  root.append(h('p', { class: 'crumbs' }, link('#/systems', null, 'Systems'), ' / ', link('#/systems', { group: s.group }, s.group)),
    h('h1', { id: 'system-name' }, s.hostname || s.login),
    h('div', { class: 'grid two' },
      section('System', facts([
        ['ID', String(s.id)],
        ['Hostname', s.hostname || '–'],
        ['Login', h('code', null, s.login)],
        ['Group', link('#/systems', { group: s.group }, s.group)],
        ['Registered', when(s.registeredAt)],
        ['Last seen', s.lastSeen ? [ago(s.lastSeen), ' (' + when(s.lastSeen) + ')'] : 'never'],
        ['Last check-in', s.lastCheckin ? [ago(s.lastCheckin, s.checkinAgeSeconds), ' (' + when(s.lastCheckin) + ')'] : 'never'],
        ['Worst verdict', s.worstVerdict ? verdictChip(s.worstVerdict) : '–'],
        ['Kernel support', supportChip(s.support, s.endOfSupport)],
        ['Check-ins', num(s.checkins)],
        ['Products', detail.activations.length ? h('ul', { class: 'plain' }, detail.activations.map((a) => h('li', null, a))) : 'none activated'],
      ])),
      posture ? postureSection(s, posture) : section('Posture', h('p', { class: 'muted' }, 'This system has not checked in yet: no posture, no audit.'))));

  if (detail.desired) {
    const d = detail.desired;
    root.append(section('What the server asks of it', facts([
      ['Action', chip(d.action, d.action === 'none' ? 'ok' : d.action === 'unavailable' ? 'bad' : 'warn')],
      ['Target version', d.targetVersion ? 'v' + d.targetVersion : '–'],
      ['Package', d.packageName ? h('code', null, d.packageName) : '–'],
      ['Why', d.reason],
      ['Blocked transition', 'after ' + d.transitionTimeoutSeconds + ' s: ' + d.onTimeout],
      ['Kernel updates', d.kernelLock ? 'locked (zypp lock on kernel-default)' : 'allowed'],
    ], { dataset: { section: 'desired' } })));
  }

  if (audit) {
    root.append(auditSection(audit));
  }

  root.append(section('History',
    table([{ label: 'When' }, { label: 'Event' }, { label: 'What happened' }],
      history.map((e) => h('tr', { dataset: { kind: e.kind } }, h('td', { class: 'nowrap' }, when(e.at)), h('td', null, chip(e.kind, kindLook(e.kind))),
        h('td', { class: 'message' }, e.message))),
      { empty: 'Nothing happened to this system yet.', dataset: { table: 'history' } })));
}

function kindLook(kind) {
  if (/reverted|failed|forced/.test(kind)) {
    return 'bad';
  }
  if (/completed|first-checkin/.test(kind)) {
    return 'ok';
  }
  return 'muted';
}

function postureSection(s, p) {
  const last = p.lastApply;
  return section('Posture', facts([
    ['Running kernel', h('code', { id: 'posture-kernel' }, p.kernel)],
    ['Loaded live patch', p.loadedPatch ? [h('code', null, p.loadedPatch), ' (v' + p.loadedVersion + ')'] : 'none'],
    ['Package', p.loadedPackage ? h('code', null, p.loadedPackage) : '–'],
    ['Transition', [p.transition === 'in_progress' ? chip('in progress', 'info') : chip('ready', 'ok'),
      p.transition === 'in_progress' ? ' for ' + p.transitionSeconds + ' s, ' + p.blockers + ' blocking task(s)' : '',
      p.forced ? [' ', chip('forced: reboot recommended', 'bad')] : '']],
    ['Taint', taintText(p.taint)],
    ['New taint at last check-in', s.newTaint ? taintText(s.newTaint) : undefined],
    ['Installed kernels', h('ul', { class: 'plain' }, p.installedKernels.map((k) => h('li', null, h('code', null, k), k === p.kernel ? ' (running)' : '')))],
    ['Installed live patches', p.installedLivePatches.length
      ? h('ul', { class: 'plain' }, p.installedLivePatches.map((x) => h('li', null, h('code', null, x.packageName), ' v' + x.version)))
      : 'none'],
    ['Last apply', last ? [chip(last.result, last.result === 'completed' || last.result === 'unchanged' ? 'ok' : 'bad'),
      ' ' + last.operation + ' to v' + last.targetVersion + ', ' + when(last.at) + ': ', h('span', { class: 'message' }, last.message)] : 'never'],
  ], { dataset: { section: 'posture' } }));
}

function auditSection(audit) {
  const box = section('CVE audit');
  box.id = 'system-audit';
  if (audit.error) {
    box.append(h('p', { class: 'error' }, audit.error instanceof ApiError ? audit.error.message : String(audit.error)));
    return box;
  }
  const a = audit.system;
  box.append(
    downloads([csv('/api/v1/audit/systems/' + a.id, {}, 'klp-audit-system-' + a.id + '.csv'),
      oval({ kernel: a.kernel }, 'klp-oval-' + a.kernel + '.xml'), csaf(audit.findings.map((f) => f.cve))]),
    h('p', null, 'Worst verdict: ', verdictChip(audit.worst), ' — ', num(audit.total), ' CVEs concern this host',
      a.stale ? [' ', chip('stale: no check-in since ' + when(a.lastCheckIn), 'muted')] : '',
      a.pinnedVersion ? h('span', { class: 'muted' }, ' · its group holds it at v' + a.pinnedVersion) : '',
      a.nextBootKernel ? h('span', { class: 'muted' }, ' · next boot: ' + a.nextBootKernel) : ''),
    h('ul', { class: 'counts' }, VERDICTS.filter(([v]) => v in audit.counts).map(([v]) =>
      h('li', { dataset: { verdict: v } }, verdictChip(v), ' ', h('b', { class: 'count' }, num(audit.counts[v]))))),
    table([{ label: 'CVE' }, { label: 'CVSS', class: 'num' }, { label: 'Verdict' }, { label: 'Why' }, { label: 'Evidence' }],
      audit.findings.map((f) => h('tr', { dataset: { cve: f.cve, verdict: f.verdict } },
        h('td', null, cveLink(f.cve)), h('td', { class: 'num' }, f.cvss.toFixed(1)), h('td', null, verdictChip(f.verdict)),
        h('td', { class: 'message' }, f.explain), h('td', null, evidence(f.evidence)))),
      { empty: 'No CVE the server knows concerns this host.', dataset: { table: 'findings' } }));
  return box;
}

// the audit's evidence fields, in words
const EVIDENCE = {
  kernel: 'kernel', loadedVersion: 'loaded', carryingVersion: 'first carried by', package: 'package', publishedOn: 'published',
  pinnedVersion: 'pinned to', heldBackByPin: 'held back by pin', transition: 'transition', forced: 'forced', fixedIn: 'fixed in',
  installed: 'installed', reason: 'reason', endOfSupport: 'end of support', lastCheckIn: 'last check-in', staleAfter: 'stale after',
};

function evidence(e) {
  const pairs = Object.entries(e).filter(([k, v]) => k !== 'verdict' && v !== null && typeof v !== 'object');
  const out = h('dl', { class: 'evidence' }, pairs.map(([k, v]) => [h('dt', null, EVIDENCE[k] || k),
    h('dd', null, typeof v === 'boolean' ? (v ? 'yes' : 'no') : /Version$/.test(k) ? 'v' + v : String(v))]));
  if (e.lastKnown) {
    out.append(h('dt', null, 'last known'), h('dd', null, verdictChip(e.lastKnown.verdict)));
  }
  return out;
}
