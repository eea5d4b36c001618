// Themes are CSS variables chosen by <html data-theme="light|dark|system">; "system" follows
// prefers-color-scheme in the stylesheet. The last choice is kept locally so the next visit
// starts in it before the profile arrives.
const KEY = 'ov.theme';

export function applyTheme(theme) {
  const t = theme === 'light' || theme === 'dark' ? theme : 'system';
  document.documentElement.dataset.theme = t;
  try {
    localStorage.setItem(KEY, t);
  } catch {
    /* not kept */
  }
}

export function initialTheme() {
  let t = null;
  try {
    t = localStorage.getItem(KEY);
  } catch {
    /* none */
  }
  applyTheme(t);
}
