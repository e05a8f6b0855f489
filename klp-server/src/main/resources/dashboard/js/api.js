// The operators' REST API, called with the admin token the operator typed in. The token lives in
// this tab's sessionStorage (gone when the tab closes) and travels only in the Authorization
// header of requests to this server; no cookie, so other sites cannot make the browser use it.

const TOKEN_KEY = 'klp.adminToken';

/** A refused or failed call: the HTTP status (0: no answer) and the server's own words. */
export class ApiError extends Error {
  constructor(status, message, path) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.path = path;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

let unauthorized = () => {};

/** What to do when the server refuses the token in the middle of a session (log in again). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/** The query string of the parameters that have a value. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') {
      q.set(k, String(v));
    }
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

/** Calls the API; resolves to the parsed JSON (null for 204), rejects with an ApiError. */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json', Authorization: 'Bearer ' + (token() || '') };
  const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'The server did not answer (' + e.message + '). Is it running?', path);
  }
  if (res.status === 204) {
    return null;
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!res.ok) {
    const message = json && typeof json.error === 'string' ? json.error : 'HTTP ' + res.status;
    const error = new ApiError(res.status, message, path);
    if (res.status === 401 && token()) {
      unauthorized(error);
    }
    throw error;
  }
  if (json === null && text) {
    throw new ApiError(res.status, 'The server answered ' + path + ' with something that is not JSON', path);
  }
  return json;
}

export function get(path, params) {
  return call('GET', path + query(params));
}

/** A path segment: kernel releases, group names and CVE ids go into paths encoded. */
export function seg(value) {
  return encodeURIComponent(String(value));
}
