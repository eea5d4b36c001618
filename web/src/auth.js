// The signed-in user: boot (a stored refresh token → tokens → profile), login, signup, logout.
import { api } from './api.js';
import { forgetBlobs } from './blobs.js';
import { navigate } from './router.jsx';
import { clearSession, lostStore, refresh, refreshToken, setTokens } from './session.js';
import { createStore } from './store.js';
import { applyTheme } from './theme.js';

// {state: 'booting' | 'anonymous' | 'signed-in' | 'unreachable', user}
export const authStore = createStore({ state: 'booting', user: null });

export const currentUser = () => authStore.get().user;

export function setUser(user) {
  authStore.set({ state: 'signed-in', user });
  if (user && user.settings) applyTheme(user.settings.theme);
}

export async function loadProfile() {
  const r = await api('/api/v1/users/get-profile');
  if (r.ok) setUser(r.data);
  return r;
}

export async function boot() {
  if (!refreshToken()) {
    authStore.set({ state: 'anonymous', user: null });
    return;
  }
  const r = await refresh();
  if (r === true) {
    const p = await loadProfile();
    if (p.ok) return;
  }
  if (r === false) authStore.set({ state: 'anonymous', user: null });
  else authStore.set({ state: 'unreachable', user: null });
}

export async function login(email, password) {
  const r = await api('/api/v1/auth/login', { method: 'POST', json: { email, password }, auth: false });
  if (!r.ok) return r;
  setTokens(r.data);
  return loadProfile();
}

export function signup(name, email, password) {
  const body = { email, password };
  if (name.trim()) body.name = name.trim();
  return api('/api/v1/auth/signup', { method: 'POST', json: body, auth: false });
}

// Revokes the access token and the refresh token's family; the local session ends whatever the
// server answers.
export async function logout() {
  const token = refreshToken();
  await api('/api/v1/auth/logout', {
    method: 'POST',
    json: token ? { refresh_token: token } : undefined,
    retry: false,
  });
  navigate('/login'); // (so the next login starts afresh, not on this user's last page)
  endSession();
}

export function endSession() {
  clearSession();
  forgetBlobs();
  authStore.set({ state: 'anonymous', user: null });
}

lostStore.subscribe((lost) => {
  if (lost && authStore.get().state === 'signed-in') {
    forgetBlobs();
    authStore.set({ state: 'anonymous', user: null });
  }
});
