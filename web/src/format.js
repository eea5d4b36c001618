// Small display helpers.
export function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
}

export function fmtDate(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const pct = (x) => `${Math.round(x * 100)}%`;

export function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

// A class's colour: a hue from its id, dark enough for white text on it (4.5:1 at least: the
// yellows, greens and cyans, bright by nature, are taken darker).
export function classColor(id) {
  const h = (id * 47) % 360;
  return `hsl(${h} 75% ${h >= 35 && h < 200 ? 24 : 38}%)`;
}

export function jobTitle(job) {
  if (job.name) return job.name;
  const files = (job.images || []).map((i) => i.filename).filter(Boolean);
  if (files.length === 1) return files[0];
  if (files.length > 1) return `${files.length} images`;
  return `Job ${String(job.job_id).slice(0, 8)}`;
}

export function countsText(counts) {
  const e = Object.entries(counts || {}).sort((a, b) => b[1] - a[1]);
  return e.length ? e.map(([k, v]) => `${k} ${v}`).join(', ') : 'none';
}
