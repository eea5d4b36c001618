// GET /api/v1/detect/history: pages (limit/offset), the route's filters by status and by class
// (jobs where an object of that class was found), delete with a confirmation. The filters and the
// page live in the address, so a reload or the back button keeps them.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ConfirmDialog } from '../components/ConfirmDialog.jsx';
import { finished, StatusBadge } from '../components/JobProgress.jsx';
import { ErrorNote, StatusNote } from '../components/Notice.jsx';
import { countsText, fmtDate } from '../format.js';
import { loadModels, modelsStore } from '../models.js';
import { Link, navigate, routeStore } from '../router.jsx';
import { useStore } from '../store.js';
import { onLive } from '../ws.js';

const STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'];
const SIZES = [10, 20, 50, 100];

function readQuery(path) {
  const q = new URLSearchParams(path.split('?')[1] || '');
  const limit = SIZES.includes(+q.get('limit')) ? +q.get('limit') : 20;
  return {
    status: STATUSES.includes(q.get('status')) ? q.get('status') : '',
    cls: q.get('class') || '',
    limit,
    offset: Math.max(0, parseInt(q.get('offset') || '0', 10) || 0),
  };
}

function writeQuery(f) {
  const q = new URLSearchParams();
  if (f.status) q.set('status', f.status);
  if (f.cls) q.set('class', f.cls);
  if (f.limit !== 20) q.set('limit', f.limit);
  if (f.offset) q.set('offset', f.offset);
  const s = q.toString();
  navigate(`/history${s ? `?${s}` : ''}`, { replace: true });
}

export function History() {
  const path = useStore(routeStore);
  const f = readQuery(path);
  const [page, setPage] = useState(null);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [asking, setAsking] = useState(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    const query = { limit: f.limit, offset: f.offset, status: f.status, class: f.cls };
    api('/api/v1/detect/history', { query }).then((r) => {
      if (!live) return;
      if (r.ok) {
        setPage(r.data);
        setError('');
      } else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [f.limit, f.offset, f.status, f.cls, tick]);

  // The models' labels, offered as classes to filter by.
  const models = useStore(modelsStore);
  useEffect(() => {
    if (!models.loaded) loadModels();
  }, []);

  // Jobs that change while the page is open (or a reconnect): read the page again.
  useEffect(() => onLive((m) => {
    if (m.type === 'live.reconnected' || m.type === 'job.completed' || m.type === 'job.failed' ||
        m.type === 'job.cancelled' || m.type === 'job.deleted' || m.type === 'job.queued') setTick((t) => t + 1);
  }), []);

  const set = (patch) => writeQuery({ ...f, ...patch });
  const items = page ? page.items : [];
  const rows = items;
  const classesKnown = [
    ...new Set([...models.models.flatMap((m) => m.labels || []), ...items.flatMap((it) => Object.keys(it.counts || {}))]),
  ].sort();

  const remove = async () => {
    const it = asking;
    setAsking(null);
    const r = await api(`/api/v1/detect/jobs/${it.job_id}`, { method: 'DELETE' });
    if (!r.ok) {
      setError(r.error);
      return;
    }
    setNote(r.status === 202 ? `Job “${label(it)}” cancelled.` : `Job “${label(it)}” deleted.`);
    if (r.status !== 202 && items.length === 1 && f.offset > 0) set({ offset: Math.max(0, f.offset - f.limit) });
    else setTick((t) => t + 1);
  };

  const total = page ? page.total : 0;
  const from = total ? f.offset + 1 : 0;
  const to = Math.min(f.offset + items.length, total);

  return (
    <>
      <h1 tabIndex={-1}>History</h1>
      <section class="card">
        <form class="filters-row" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
          <div class="field">
            <label for="history-status">Status</label>
            <select id="history-status" value={f.status} onChange={(e) => set({ status: e.currentTarget.value, offset: 0 })}>
              <option value="">All</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>{s[0].toUpperCase() + s.slice(1)}</option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="history-class">Class</label>
            <input id="history-class" list="history-classes" value={f.cls} placeholder="e.g. dog"
              onChange={(e) => set({ cls: e.currentTarget.value.trim(), offset: 0 })} />
            <datalist id="history-classes">
              {classesKnown.map((c) => <option key={c} value={c} />)}
            </datalist>
          </div>
          <div class="field">
            <label for="history-size">Per page</label>
            <select id="history-size" value={f.limit} onChange={(e) => set({ limit: +e.currentTarget.value, offset: 0 })}>
              {SIZES.map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          </div>
        </form>
        {note && <StatusNote>{note}</StatusNote>}
        <ErrorNote>{error}</ErrorNote>
        {!page && !error && <p class="muted" role="status">Loading…</p>}
        {page && rows.length === 0 && (
          <p class="empty">
            {total === 0 && !f.status && !f.cls ? <>No jobs yet. <Link href="/upload">Upload an image</Link> to start.</> : 'No job here matches the filters.'}
          </p>
        )}
        {rows.length > 0 && (
          <table class="jobs">
            <caption class="visually-hidden">Your jobs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Images</th>
                <th scope="col">Objects</th>
                <th scope="col">Created</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {rows.map((it) => (
                <tr key={it.job_id} data-job-id={it.job_id}>
                  <td data-label="Job"><Link href={`/jobs/${it.job_id}`}>{label(it)}</Link></td>
                  <td data-label="Status"><StatusBadge status={it.status} />{!finished(it.status) && it.progress ? ` ${it.progress.done} / ${it.progress.total}` : ''}</td>
                  <td data-label="Images">{it.image_count}</td>
                  <td data-label="Objects">
                    {it.object_count} <span class="muted">{it.object_count ? `(${countsText(it.counts)})` : ''}</span>
                  </td>
                  <td data-label="Created">{fmtDate(it.created_at)}</td>
                  <td class="row-actions">
                    <button type="button" class="danger-outline small" aria-label={`${finished(it.status) ? 'Delete' : 'Cancel'} job ${label(it)}`}
                      onClick={() => setAsking(it)}>
                      {finished(it.status) ? 'Delete' : 'Cancel'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {page && total > 0 && (
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={f.offset === 0} onClick={() => set({ offset: Math.max(0, f.offset - f.limit) })}>
              Previous
            </button>
            <span aria-live="polite">{from}–{to} of {total}</span>
            <button type="button" disabled={f.offset + f.limit >= total} onClick={() => set({ offset: f.offset + f.limit })}>
              Next
            </button>
          </nav>
        )}
      </section>
      <ConfirmDialog open={!!asking} title={asking && !finished(asking.status) ? 'Cancel this job?' : 'Delete this job?'}
        confirmLabel={asking && !finished(asking.status) ? 'Cancel job' : 'Delete job'} onConfirm={remove} onCancel={() => setAsking(null)}>
        <p>{asking ? (finished(asking.status) ? `“${label(asking)}”, its images and results are deleted for good.` : `“${label(asking)}” stops; the images done keep their results.`) : ''}</p>
      </ConfirmDialog>
    </>
  );
}

const label = (it) => it.name || `Job ${String(it.job_id).slice(0, 8)}`;
