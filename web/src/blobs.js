// Images of the API need the bearer token, so they are fetched and shown through blob: URLs.
// A small cache keeps the last ones (a batch's thumbnails and the image shown share them).
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

const cache = new Map(); // url -> Promise<{url, blob} | {error}>
const LIMIT = 48;

export function fetchBlobUrl(path) {
  let p = cache.get(path);
  if (!p) {
    p = api(path, { as: 'blob' }).then((r) => {
      if (!r.ok) {
        cache.delete(path);
        return { error: r.status === 410 ? 'The image was deleted (retention).' : r.error };
      }
      return { url: URL.createObjectURL(r.data), blob: r.data };
    });
    cache.set(path, p);
    if (cache.size > LIMIT) {
      const [oldest, op] = cache.entries().next().value;
      cache.delete(oldest);
      op.then((v) => v.url && URL.revokeObjectURL(v.url));
    }
  }
  return p;
}

export function forgetBlobs() {
  for (const p of cache.values()) p.then((v) => v.url && URL.revokeObjectURL(v.url));
  cache.clear();
}

export function useBlobUrl(path) {
  const [state, setState] = useState({});
  useEffect(() => {
    if (!path) return undefined;
    let live = true;
    setState({});
    fetchBlobUrl(path).then((v) => live && setState(v));
    return () => {
      live = false;
    };
  }, [path]);
  return state;
}
