// fetch with the bearer token: a 401 refreshes the tokens once and retries. Answers are values,
// never exceptions: {ok: true, status, data} or {ok: false, status, error (a sentence), data}.
import { accessToken, refresh } from './session.js';

export async function api(path, opts = {}) {
  const { method = 'GET', json, form, query, auth = true, as = 'json', retry = true } = opts;
  let url = path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  const send = () => {
    const headers = {};
    if (json !== undefined) headers['Content-Type'] = 'application/json';
    const token = accessToken();
    if (auth && token) headers.Authorization = `Bearer ${token}`;
    return fetch(url, { method, headers, body: json !== undefined ? JSON.stringify(json) : form });
  };
  let res;
  try {
    res = await send();
    if (res.status === 401 && auth && retry) {
      const r = await refresh();
      if (r === true) res = await send();
    }
  } catch {
    return { ok: false, status: 0, error: 'Could not reach the server. Check the connection and try again.' };
  }
  if (res.ok && as === 'blob') return { ok: true, status: res.status, data: await res.blob() };
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  try {
    data = type.includes('json') ? await res.json() : await res.text();
  } catch {
    data = null;
  }
  if (res.ok) return { ok: true, status: res.status, data, headers: res.headers };
  return { ok: false, status: res.status, data, error: errorText(res.status, data) };
}

// The server's `detail`, plainly: a string as it is; a validation list as "field: message".
export function errorText(status, body) {
  const detail = body && typeof body === 'object' ? body.detail : null;
  if (typeof detail === 'string' && detail) return detail;
  if (Array.isArray(detail) && detail.length) {
    return detail
      .map((e) => {
        const loc = (e.loc || []).filter((p) => p !== 'body' && p !== 'query' && p !== 'path');
        return (loc.length ? `${loc.join('.')}: ` : '') + (e.msg || 'invalid');
      })
      .join('; ');
  }
  if (status === 413) return 'The upload is too large for the server.';
  if (status === 429) return 'Too many requests. Wait a moment and try again.';
  if (status >= 500) return `The server had a problem (${status}). Try again in a moment.`;
  return `The server answered ${status}.`;
}
