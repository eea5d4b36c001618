// Client-side routing with history.pushState over the paths the server answers with the app.
import { createStore } from './store.js';

const here = () => location.pathname + location.search;
export const routeStore = createStore(here());

export function navigate(to, { replace = false } = {}) {
  if (to !== here()) history[replace ? 'replaceState' : 'pushState'](null, '', to);
  routeStore.set(to);
}

window.addEventListener('popstate', () => routeStore.set(here()));

// Matches "/jobs/:id" style patterns; returns the params or null.
export function match(pattern, path) {
  const a = pattern.split('/');
  const b = path.split('?')[0].split('/');
  if (a.length !== b.length) return null;
  const params = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(':')) params[a[i].slice(1)] = decodeURIComponent(b[i]);
    else if (a[i] !== b[i]) return null;
  }
  return params;
}

export function queryParams() {
  return new URLSearchParams(location.search);
}

export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
