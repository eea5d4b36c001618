// The live socket (WS /api/v1/ws?token=…): job events of the signed-in user. Reconnects after a
// drop with a growing, jittered pause (0.5 s doubling up to 5 s), with a fresh token when the
// server closed it for its token (4401); after each reconnect listeners get {type:
// 'live.reconnected'} and re-fetch what they show, so a missed event does no harm.
import { accessToken, refresh, tokenStore } from './session.js';
import { createStore } from './store.js';

// 'off' (signed out), 'connecting', 'connected', 'disconnected' (waiting to reconnect)
export const liveStore = createStore('off');

const listeners = new Set();
let sock = null;
let wanted = false;
let attempt = 0;
let retryTimer = 0;
let pingTimer = 0;
let everOpened = false;
let lastMessage = 0;
let socketToken = null;

export function onLive(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(msg) {
  for (const fn of [...listeners]) fn(msg);
}

export function startLive() {
  if (wanted) return;
  wanted = true;
  everOpened = false;
  attempt = 0;
  connect();
}

export function stopLive() {
  wanted = false;
  clearTimeout(retryTimer);
  clearInterval(pingTimer);
  if (sock) {
    sock.onclose = null;
    sock.close(1000);
    sock = null;
  }
  liveStore.set('off');
}

function connect() {
  clearTimeout(retryTimer);
  if (!wanted || sock) return;
  const token = accessToken();
  if (!token) {
    liveStore.set('disconnected');
    refresh().then((r) => (r === true ? connect() : r === 'retry' ? later() : stopLive()));
    return;
  }
  liveStore.set(everOpened ? 'disconnected' : 'connecting');
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  let s;
  try {
    s = new WebSocket(`${scheme}://${location.host}/api/v1/ws?token=${encodeURIComponent(token)}`);
  } catch {
    later();
    return;
  }
  sock = s;
  socketToken = token;
  s.onopen = () => {
    attempt = 0;
    lastMessage = Date.now();
    liveStore.set('connected');
    if (everOpened) emit({ type: 'live.reconnected' });
    everOpened = true;
    clearInterval(pingTimer);
    pingTimer = setInterval(ping, 20000);
  };
  s.onmessage = (e) => {
    lastMessage = Date.now();
    let msg;
    try {
      msg = JSON.parse(e.data);
    } catch {
      return;
    }
    if (msg && msg.type && msg.type !== 'pong') emit(msg);
  };
  s.onclose = (e) => {
    if (sock === s) sock = null;
    clearInterval(pingTimer);
    if (!wanted) return;
    liveStore.set('disconnected');
    if (e.code === 4401) {
      // The token expired or was revoked: a new one unless it was already renewed meanwhile.
      if (accessToken() && accessToken() !== socketToken) later(true);
      else refresh().then((r) => (r === false ? stopLive() : later(r === true)));
    } else later();
  };
}

// A socket silent for two ping periods is dead (a half-open connection): drop it.
function ping() {
  if (!sock || sock.readyState !== 1) return;
  if (Date.now() - lastMessage > 45000) {
    sock.close();
    return;
  }
  try {
    sock.send('{"type":"ping"}');
  } catch {
    /* onclose follows */
  }
}

function later(soon = false) {
  clearTimeout(retryTimer);
  const base = soon ? 100 : Math.min(5000, 500 * 2 ** attempt);
  attempt++;
  retryTimer = setTimeout(connect, base * (0.75 + Math.random() * 0.5));
}

// Back online, or the tab shown again: try at once instead of waiting out the pause.
function nudge() {
  if (wanted && !sock) {
    attempt = 0;
    connect();
  }
}
window.addEventListener('online', nudge);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') nudge();
});

// A renewed token while the socket is down: use it at once.
tokenStore.subscribe(() => {
  if (wanted && !sock) nudge();
});
