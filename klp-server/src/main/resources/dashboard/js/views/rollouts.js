// Rollouts and policies: staged rollouts with promote, halt and resume (POST /api/v1/rollouts/…/promote|halt|resume),
// groups and their policy (GET /api/v1/groups), pins (GET /api/v1/pins; PUT and DELETE
// /api/v1/groups/{name}/pins/{kernel} and /api/v1/pins/{kernel}). Every change is confirmed first,
// and a pin's confirmation names the fixes it drops and the hosts that would go back.

import { call, get, seg } from '../api.js';
import { ask, chip, h, link, notify, num, section, table, when } from '../dom.js';

const EVERY_GROUP = '*';

export async function render(root, ctx) {
  const [rollouts, groups, pins, kernels, summary] = await Promise.all([
    get('/api/v1/rollouts'), get('/api/v1/groups'), get('/api/v1/pins'), get('/api/v1/kernels'), get('/api/v1/summary'),
  ]);
  const hosts = new Map(summary.groups.map((g) => [g.group, g.hosts]));
  const policies = new Map(groups.map((g) => [g.name, g]));
  const names = [...new Set([...hosts.keys(), ...policies.keys()])].sort();
  const env = { ctx, kernels, summary };

  root.append(h('h1', null, 'Rollouts and policies'));

  root.append(section('Staged rollouts',
    h('p', { class: 'muted' }, 'A new live patch version goes to the canary group first; it is promoted to the staged group once enough canaries on its kernel ran it settled for the soak time (no canary on the kernel holds it). A failed apply, a stuck or forced transition or new taint on a canary halts it; a halt stops it for hosts that do not run it yet.'),
    table([{ label: 'Group' }, { label: 'Kernel' }, { label: 'Version', class: 'num' }, { label: 'Status' }, { label: 'Started' }, { label: 'Changed' },
      { label: 'Reason' }, { label: '' }],
    rollouts.map((r) => h('tr', { dataset: { rollout: r.group + '/' + r.kernel + '/' + r.version, status: r.status } },
      h('td', null, link('#/systems', { group: r.group }, r.group)), h('td', null, h('code', null, r.kernel)), h('td', { class: 'num' }, 'v' + r.version),
      h('td', null, chip(r.status, r.status === 'promoted' ? 'ok' : r.status === 'halted' ? 'bad' : r.status === 'superseded' ? 'muted' : 'info')),
      h('td', { class: 'nowrap' }, when(r.startedAt)), h('td', { class: 'nowrap' }, when(r.changedAt)), h('td', { class: 'message' }, r.reason || ''),
      h('td', { class: 'actions' },
        r.status === 'canary' ? h('button', { type: 'button', class: 'small', dataset: { action: 'promote' }, onclick: () => promote(env, r) }, 'Promote') : null,
        r.status === 'canary' ? h('button', { type: 'button', class: 'small danger', dataset: { action: 'halt' }, onclick: () => halt(env, r) }, 'Halt') : null,
        r.status === 'halted' ? h('button', { type: 'button', class: 'small', dataset: { action: 'resume' }, onclick: () => resume(env, r) }, 'Resume') : null))),
    { empty: 'No staged rollouts: they start when a version is published for a kernel that a staged group runs.', dataset: { table: 'rollouts' } })));

  root.append(section('Groups and their policy',
    table([{ label: 'Group' }, { label: 'Hosts', class: 'num' }, { label: 'Policy' }, { label: 'Canary group' }, { label: 'Soak' },
      { label: 'Kernel updates' }, { label: 'Blocked transition' }],
    names.map((n) => {
      const g = policies.get(n);
      return h('tr', { dataset: { group: n } },
        h('td', null, link('#/systems', { group: n }, n)), h('td', { class: 'num' }, num(hosts.get(n) || 0)),
        h('td', null, g ? chip(g.policy, 'info') : [chip('latest', 'muted'), h('span', { class: 'muted' }, ' (no policy of its own)')]),
        h('td', null, g && g.canaryGroup ? g.canaryGroup : '–'),
        h('td', null, g && g.policy === 'staged' ? duration(g.soak) + ' on ' + g.minCanaries + ' canar' + (g.minCanaries === 1 ? 'y' : 'ies') : '–'),
        h('td', null, g && g.kernelLock ? 'locked' : 'allowed'),
        h('td', null, g ? 'after ' + duration(g.transitionTimeout) + ': ' + g.onTimeout : 'after ' + duration(60) + ': revert'));
    }), { dataset: { table: 'groups' } })));

  root.append(section('Pins',
    h('p', { class: 'muted' }, 'A pin holds a kernel\'s hosts at a live patch version under any policy; a group\'s pin overrides the fleet\'s.'),
    table([{ label: 'Scope' }, { label: 'Kernel' }, { label: 'Pinned version', class: 'num' }, { label: 'Newest', class: 'num' }, { label: '' }],
      pins.map((p) => h('tr', { dataset: { pin: p.group + '/' + p.kernel, version: p.version } },
        h('td', null, p.group === EVERY_GROUP ? h('b', null, 'whole fleet') : 'group ' + p.group), h('td', null, h('code', null, p.kernel)),
        h('td', { class: 'num' }, 'v' + p.version), h('td', { class: 'num' }, newest(kernels, p.kernel) ? 'v' + newest(kernels, p.kernel) : '–'),
        h('td', { class: 'actions' }, h('button', { type: 'button', class: 'small', dataset: { action: 'unpin' }, onclick: () => unpin(env, p) }, 'Remove')))),
      { empty: 'No pins: every group follows its policy.', dataset: { table: 'pins' } }),
    pinForm(env, names)));

  root.append(section('Fleet-wide N-1',
    h('p', { class: 'muted' }, 'Take every host of a kernel back to the previous live patch version (a pin for the whole fleet), e.g. when the newest misbehaves.'),
    table([{ label: 'Kernel' }, { label: 'Versions' }, { label: 'Fleet pin' }, { label: '' }],
      kernels.filter((k) => k.versions.length > 1).map((k) => {
        const fleetPin = pins.find((p) => p.group === EVERY_GROUP && p.kernel === k.release);
        const n = newest(kernels, k.release);
        return h('tr', { dataset: { kernel: k.release } }, h('td', null, h('code', null, k.release)), h('td', null, 'v1–v' + n),
          h('td', null, fleetPin ? 'v' + fleetPin.version : '–'),
          h('td', { class: 'actions' }, h('button', { type: 'button', class: 'small danger', dataset: { action: 'fleet-n-1' },
            onclick: () => pin(env, EVERY_GROUP, k.release, n - 1) }, 'Pin fleet to v' + (n - 1))));
      }), { empty: 'No kernel has more than its initial patch.', dataset: { table: 'fleet-pins' } })));
}

function duration(seconds) {
  const s = Math.round(Number(seconds));
  if (s % 86400 === 0) {
    return s / 86400 + ' d';
  }
  if (s % 3600 === 0) {
    return s / 3600 + ' h';
  }
  if (s % 60 === 0) {
    return s / 60 + ' min';
  }
  return s + ' s';
}

function newest(kernels, release) {
  const k = kernels.find((x) => x.release === release);
  return k ? Math.max(...k.versions) : null;
}

function pinForm(env, names) {
  const kernelSelect = h('select', { name: 'kernel', id: 'pin-kernel', required: true },
    env.kernels.map((k) => h('option', { value: k.release }, k.release)));
  const versionSelect = h('select', { name: 'version', id: 'pin-version', required: true });
  const fillVersions = () => {
    const k = env.kernels.find((x) => x.release === kernelSelect.value);
    const versions = k ? [...k.versions].sort((a, b) => b - a) : [];
    versionSelect.replaceChildren(...versions.map((v, i) => h('option', { value: v, selected: i === 1 || versions.length === 1 },
      'v' + v + (i === 0 ? ' (newest)' : i === 1 ? ' (N-1)' : ''))));
  };
  kernelSelect.addEventListener('change', fillVersions);
  fillVersions();
  const form = h('form', { class: 'filters', id: 'pin-form' },
    h('label', null, 'Scope', h('select', { name: 'scope', id: 'pin-scope' }, h('option', { value: EVERY_GROUP }, 'whole fleet'),
      names.map((n) => h('option', { value: n }, 'group ' + n)))),
    h('label', null, 'Kernel', kernelSelect),
    h('label', null, 'Version', versionSelect),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary', id: 'pin-submit' }, 'Pin…')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    pin(env, form.elements.scope.value, kernelSelect.value, Number(versionSelect.value));
  });
  return h('div', null, h('h3', null, 'Pin a version'), form);
}

/** Hosts of a kernel above a version, fleet-wide (from the summary) or in a group (counted by the API). */
async function hostsAbove(env, scope, kernel, version, newestVersion) {
  if (scope === EVERY_GROUP) {
    return env.summary.postures.filter((p) => p.kernel === kernel && p.version > version).reduce((n, p) => n + p.hosts, 0);
  }
  let n = 0;
  for (let v = version + 1; v <= newestVersion; v++) {
    n += (await get('/api/v1/systems', { group: scope, kernel, version: v, limit: 1 })).total;
  }
  return n;
}

async function pin(env, scope, kernel, version) {
  const n = newest(env.kernels, kernel);
  const patches = await get('/api/v1/kernels/' + seg(kernel) + '/live-patches');
  const kept = new Set((patches.find((p) => p.version === version) || { fixes: [] }).fixes.map((f) => f.id));
  const newestFixes = (patches.find((p) => p.version === n) || { fixes: [] }).fixes;
  const dropped = newestFixes.filter((f) => !kept.has(f.id));
  const above = await hostsAbove(env, scope, kernel, version, n);
  const who = scope === EVERY_GROUP ? 'the whole fleet' : 'group ' + scope;
  const body = [
    h('p', null, 'Hosts of ', h('code', null, kernel), ' in ' + who + ' will run live patch v' + version + (version < n ? ' instead of the newest, v' + n : '') + '.'),
    version < n
      ? h('div', { id: 'pin-drops' }, h('p', null, h('b', null, 'This drops ' + dropped.length + ' fix' + (dropped.length === 1 ? '' : 'es') + ' of v' + n + ':')),
        h('ul', null, dropped.map((f) => h('li', { dataset: { fix: f.id } }, /^CVE-/.test(f.id) ? h('span', null, f.id) : f.id,
          f.cvss ? ' (CVSS ' + f.cvss.toFixed(1) + ')' : '', f.summary ? ': ' + f.summary : ''))))
      : h('p', { id: 'pin-drops' }, 'It drops no fix: v' + version + ' is the newest.'),
    h('p', null, num(above) + ' host' + (above === 1 ? '' : 's') + ' of this kernel in ' + who + ' run a version above v' + version
      + (scope === EVERY_GROUP ? '; those whose group has no pin of its own for this kernel' : '; they') + ' will go back at their next check-in.'),
  ];
  const ok = await ask({ title: 'Pin ' + kernel + ' to v' + version + ' for ' + who + '?', body, confirm: 'Pin to v' + version, danger: version < n });
  if (!ok) {
    return;
  }
  const path = scope === EVERY_GROUP ? '/api/v1/pins/' + seg(kernel) : '/api/v1/groups/' + seg(scope) + '/pins/' + seg(kernel);
  await call('PUT', path, { version });
  notify('Pinned ' + kernel + ' to v' + version + ' for ' + who + '.', 'ok');
  env.ctx.refresh();
}

async function unpin(env, p) {
  const who = p.group === EVERY_GROUP ? 'the whole fleet' : 'group ' + p.group;
  const ok = await ask({ title: 'Remove the pin of ' + p.kernel + ' for ' + who + '?',
    body: [h('p', null, 'Its hosts follow their group\'s policy again (a pin-policy group holds the version each host runs).')], confirm: 'Remove pin' });
  if (!ok) {
    return;
  }
  const path = p.group === EVERY_GROUP ? '/api/v1/pins/' + seg(p.kernel) : '/api/v1/groups/' + seg(p.group) + '/pins/' + seg(p.kernel);
  await call('DELETE', path);
  notify('Removed the pin of ' + p.kernel + ' for ' + who + '.', 'ok');
  env.ctx.refresh();
}

function rolloutPath(r, action) {
  return '/api/v1/rollouts/' + seg(r.group) + '/' + seg(r.kernel) + '/' + Number(r.version) + '/' + action;
}

async function promote(env, r) {
  const ok = await ask({ title: 'Promote v' + r.version + ' of ' + r.kernel + ' to group ' + r.group + '?',
    body: [h('p', null, 'Every host of group ' + r.group + ' on this kernel gets v' + r.version + ' at its next check-in, without waiting for the soak time.')],
    confirm: 'Promote' });
  if (!ok) {
    return;
  }
  await call('POST', rolloutPath(r, 'promote'));
  notify('Promoted v' + r.version + ' of ' + r.kernel + ' to group ' + r.group + '.', 'ok');
  env.ctx.refresh();
}

async function resume(env, r) {
  const ok = await ask({ title: 'Resume the rollout of v' + r.version + ' of ' + r.kernel + ' to group ' + r.group + '?',
    body: [h('p', null, 'The canaries get v' + r.version + ' again, and it is promoted only once they ran it settled for the soak time, counted from now.')],
    confirm: 'Resume' });
  if (!ok) {
    return;
  }
  await call('POST', rolloutPath(r, 'resume'));
  notify('Resumed v' + r.version + ' of ' + r.kernel + ' for group ' + r.group + '.', 'ok');
  env.ctx.refresh();
}

async function halt(env, r) {
  const reason = await ask({ title: 'Halt the rollout of v' + r.version + ' of ' + r.kernel + ' to group ' + r.group + '?',
    body: [h('p', null, 'Hosts that do not run v' + r.version + ' yet will not get it; hosts that run it keep it (a pin takes it back).')],
    confirm: 'Halt', danger: true, field: { label: 'Reason (shown with the rollout)', placeholder: 'e.g. latency regression on canaries' } });
  if (reason === null) {
    return;
  }
  await call('POST', rolloutPath(r, 'halt'), reason ? { reason } : undefined);
  notify('Halted v' + r.version + ' of ' + r.kernel + ' for group ' + r.group + '.', 'ok');
  env.ctx.refresh();
}
