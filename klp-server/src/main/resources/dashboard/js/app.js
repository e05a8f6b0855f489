// The dashboard's shell: the login, the navigation and the router. Views live in views/*.js; each
// exports render(root, ctx), fills root from the API and throws an ApiError when the API refuses.
// Routes are the part of the URL after '#', so links, the back button and bookmarks work on a
// static page: #/systems?group=db, #/systems/12, #/cves/CVE-2024-1086.

import { ApiError, call, clearToken, onUnauthorized, setToken, token } from './api.js';
import { errorBox, notify } from './dom.js';
import * as overview from './views/overview.js';
import * as systems from './views/systems.js';
import * as system from './views/system.js';
import * as cves from './views/cves.js';
import * as lifecycle from './views/lifecycle.js';
import * as rollouts from './views/rollouts.js';
import * as catalog from './views/catalog.js';

const ROUTES = [
  { pattern: /^\/overview$/, name: 'overview', nav: 'overview', view: overview, title: 'Overview' },
  { pattern: /^\/systems$/, name: 'systems', nav: 'systems', view: systems, title: 'Systems' },
  { pattern: /^\/systems\/(\d+)$/, name: 'system', nav: 'systems', view: system, title: 'System' },
  { pattern: /^\/cves$/, name: 'cves', nav: 'cves', view: cves, title: 'CVE audit' },
  { pattern: /^\/cves\/([^/]+)$/, name: 'cve', nav: 'cves', view: cves, title: 'CVE' },
  { pattern: /^\/lifecycle$/, name: 'lifecycle', nav: 'lifecycle', view: lifecycle, title: 'Lifecycle' },
  { pattern: /^\/rollouts$/, name: 'rollouts', nav: 'rollouts', view: rollouts, title: 'Rollouts & policies' },
  { pattern: /^\/catalog$/, name: 'catalog', nav: 'catalog', view: catalog, title: 'Catalog' },
];

const $ = (id) => document.getElementById(id);
let generation = 0;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/overview';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  return { path, params };
}

/** Goes to a route: go('#/systems', {group: 'db'}). The same route again re-renders it. */
export function go(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') {
      q.set(k, String(v));
    }
  }
  const s = q.toString();
  const target = path + (s ? '?' + s : '');
  if (location.hash === target) {
    show();
  } else {
    location.hash = target;
  }
}

function showLogin(message) {
  generation++;
  $('nav').hidden = true;
  $('logout').hidden = true;
  $('refresh').hidden = true;
  $('notice').hidden = true;
  $('view').replaceChildren();
  $('view').dataset.state = 'idle';
  $('login').hidden = false;
  const error = $('login-error');
  error.hidden = !message;
  error.textContent = message || '';
  $('token').focus();
}

async function show() {
  if (!token()) {
    showLogin();
    return;
  }
  $('login').hidden = true;
  $('nav').hidden = false;
  $('logout').hidden = false;
  $('refresh').hidden = false;
  const { path, params } = parseHash();
  const route = ROUTES.find((r) => r.pattern.test(path));
  if (!route) {
    location.hash = '#/overview';
    return;
  }
  const match = path.match(route.pattern);
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.nav === route.nav);
  }
  const gen = ++generation;
  const view = $('view');
  view.dataset.view = route.name;
  view.dataset.state = 'loading';
  document.title = route.title + ' — klp';
  const root = document.createElement('div');
  root.className = 'view';
  const ctx = { params, match, go, refresh: show, current: () => gen === generation };
  try {
    await route.view.render(root, ctx);
    if (gen !== generation) {
      return;
    }
    view.replaceChildren(root);
    view.dataset.state = 'ready';
  } catch (e) {
    if (gen !== generation) {
      return;
    }
    if (!(e instanceof ApiError)) {
      console.error(e);
    }
    view.replaceChildren(errorBox(e));
    view.dataset.state = 'error';
  }
}

async function login(event) {
  event.preventDefault();
  const value = $('token').value.trim();
  if (!value) {
    showLogin('Type the admin token first.');
    return;
  }
  $('login-button').disabled = true;
  setToken(value);
  try {
    await call('GET', '/api/v1/audit/status');
    $('token').value = '';
    show();
  } catch (e) {
    clearToken();
    if (e instanceof ApiError && e.status === 401) {
      showLogin('Wrong admin token: the server refused it (' + e.message + '). Use a token printed at the server\'s first start or made with "klp-server admin token create".');
    } else {
      showLogin('Cannot log in: ' + e.message);
    }
  } finally {
    $('login-button').disabled = false;
  }
}

onUnauthorized((error) => {
  clearToken();
  showLogin('The server no longer accepts this token (' + error.message + '). Log in again.');
});

$('login-form').addEventListener('submit', login);
$('logout').addEventListener('click', () => {
  clearToken();
  showLogin();
});
$('refresh').addEventListener('click', () => show());
window.addEventListener('hashchange', () => {
  $('notice').hidden = true;
  show();
});
window.addEventListener('unhandledrejection', (event) => {
  if (event.reason instanceof ApiError) {
    event.preventDefault();
    notify(event.reason.message, 'bad');
  }
});
show();
