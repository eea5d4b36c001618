// A one-time message for the next page (e.g. "Account created" on the login page).
let pending = null;

export function flash(text, extra = {}) {
  pending = { text, ...extra };
}

export function takeFlash() {
  const p = pending;
  pending = null;
  return p;
}
