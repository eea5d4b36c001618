// The tokens: the access token lives in memory only, the refresh token in localStorage (so a
// reload or a new tab keeps the session). Refreshes are single-flight within the tab and
// serialised across tabs (Web Locks), and always use the newest refresh token in storage: a
// refresh token is single-use, and presenting a used one revokes the whole family.
import { createStore } from './store.js';

const KEY = 'ov.refresh_token';
let access = null;
let timer = 0;
let inflight = null;

// Bumped each time the access token changes; the live socket reconnects with the new one.
export const tokenStore = createStore(0);
// Set to true when the session is gone (refresh refused): the app shows the login page.
export const lostStore = createStore(false);

export const accessToken = () => access;
export const refreshToken = () => {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
};

export function setTokens(tokens) {
  access = tokens.access_token;
  try {
    localStorage.setItem(KEY, tokens.refresh_token);
  } catch {
    /* private mode: the session lasts as long as the tab */
  }
  lostStore.set(false);
  schedule(tokens.expires_in);
  tokenStore.set((n) => n + 1);
}

// Refresh a little before the access token expires (a fifth of its life, at most a minute).
function schedule(seconds) {
  clearTimeout(timer);
  if (!seconds) return;
  const lead = Math.min(60, seconds * 0.2);
  timer = setTimeout(() => refreshSoon(), Math.max(5, seconds - lead) * 1000);
}

async function refreshSoon() {
  const r = await refresh();
  if (r === 'retry') timer = setTimeout(refreshSoon, 10000);
}

export function clearSession() {
  clearTimeout(timer);
  access = null;
  try {
    localStorage.removeItem(KEY);
  } catch {
    /* nothing kept */
  }
}

function withLock(fn) {
  if (navigator.locks && navigator.locks.request) return navigator.locks.request('ov-refresh', fn);
  return fn();
}

// Resolves to true (new tokens), false (the session is over: log in again) or 'retry' (the
// server could not be reached or is busy: the tokens are kept).
export function refresh() {
  if (!inflight) {
    inflight = withLock(attemptRefresh).finally(() => {
      inflight = null;
    });
  }
  return inflight;
}

async function attemptRefresh() {
  for (let tries = 0; tries < 2; tries++) {
    const token = refreshToken();
    if (!token) return lose();
    let res;
    try {
      res = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: token }),
      });
    } catch {
      return 'retry';
    }
    if (res.ok) {
      setTokens(await res.json());
      return true;
    }
    if (res.status !== 401 && res.status !== 403 && res.status !== 422) return 'retry';
    // Another tab may have rotated it meanwhile: only a refusal of the newest one ends it.
    if (refreshToken() === token) break;
  }
  return lose();
}

function lose() {
  clearSession();
  lostStore.set(true);
  return false;
}

// Another tab logged out: so does this one.
window.addEventListener('storage', (e) => {
  if (e.key === KEY && !e.newValue && access) lose();
});
