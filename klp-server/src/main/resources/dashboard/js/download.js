// Downloads of what a page shows: the API's CSV, OVAL (for oscap and other scanners) and CSAF VEX.
// A plain link cannot send the admin token, so the file is fetched like any API call and handed to
// the browser as a blob: the only URL an anchor gets here is the blob's, never one from data.

import { ApiError, query, token } from './api.js';
import { h, notify } from './dom.js';

/** Fetches path?params with the admin token and saves the answer as fileName. */
export async function download(path, params, fileName) {
  let res;
  try {
    res = await fetch(path + query(params), { headers: { Authorization: 'Bearer ' + (token() || '') }, cache: 'no-store', credentials: 'omit', redirect: 'error' });
  } catch (e) {
    throw new ApiError(0, 'The server did not answer (' + e.message + '). Is it running?', path);
  }
  if (!res.ok) {
    let message = 'HTTP ' + res.status;
    try {
      const body = await res.json();
      if (body && typeof body.error === 'string') {
        message = body.error;
      }
    } catch (e) {
      // not JSON: the status says it
    }
    throw new ApiError(res.status, message, path);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/**
 * A row of download buttons, one per item: {kind: 'csv'|'oval'|'csaf', label, path, params, file}.
 * Items without a path (nothing to download on this page) are left out.
 */
export function downloads(items) {
  const shown = items.filter((i) => i && i.path);
  return h('div', { class: 'downloads', role: 'group', 'aria-label': 'Downloads' }, h('span', { class: 'muted' }, 'Download'),
    shown.map((i) => h('button', {
      type: 'button', class: 'quiet download', title: i.title || null, dataset: { download: i.kind, file: i.file },
      onclick: async (e) => {
        const button = e.currentTarget;
        button.disabled = true;
        try {
          await download(i.path, i.params, i.file);
        } catch (err) {
          notify('Download of ' + i.file + ' failed: ' + err.message, 'bad');
        } finally {
          button.disabled = false;
        }
      },
    }, i.label)));
}

/** The download items of the formats, for a scope: CSV of a query, OVAL and CSAF VEX of CVEs. */
export const csv = (path, params, file) => ({ kind: 'csv', label: 'CSV', path, params: { ...params, format: 'csv' }, file, title: 'What this page lists, every row' });
export const oval = (params, file) => ({ kind: 'oval', label: 'OVAL', path: '/api/v1/export/oval', params, file, title: 'OVAL definitions for oscap oval eval: vulnerable unless a live patch carrying the fix is in force' });
export function csaf(cves, file) {
  const ids = [...new Set(cves)].filter((c) => /^CVE-\d{4}-\d{4,}$/.test(c)).slice(0, 1000);
  if (ids.length === 0) {
    return null;
  }
  if (ids.length === 1) {
    return { kind: 'csaf', label: 'CSAF VEX', path: '/api/v1/export/csaf', params: { cve: ids[0] }, file: file || 'klp-' + ids[0].toLowerCase() + '.json', title: 'The CSAF 2.0 VEX document of ' + ids[0] };
  }
  return { kind: 'csaf', label: 'CSAF VEX (' + ids.length + ')', path: '/api/v1/export/csaf', params: { format: 'zip', cves: ids.join(',') }, file: file || 'klp-csaf-vex.zip', title: 'The CSAF 2.0 VEX documents of the CVEs shown, zipped' };
}
