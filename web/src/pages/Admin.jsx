// Admins: the workers and the queue (/health/workers), the recent failures — every user's failed
// jobs (/api/v1/admin/failures), the workers' and the scheduled tasks' errors — the models (load,
// unload, reload), the scheduled tasks. Read again every 10 s.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorNote, StatusNote } from '../components/Notice.jsx';
import { fmtDate } from '../format.js';
import { loadModels, modelsStore } from '../models.js';
import { useStore } from '../store.js';

export function Admin({ user }) {
  if (!user || user.role !== 'admin') {
    return (
      <section class="card narrow">
        <h1 tabIndex={-1}>Admin</h1>
        <p>This page is for admins only.</p>
      </section>
    );
  }
  return <AdminPage />;
}

function AdminPage() {
  const [workers, setWorkers] = useState(null);
  const [tasks, setTasks] = useState(null);
  const [failedJobs, setFailedJobs] = useState([]);
  const [errors, setErrors] = useState({});
  const [updated, setUpdated] = useState(null);

  const load = useCallback(async () => {
    const [w, s, f] = await Promise.all([
      api('/health/workers'),
      api('/api/v1/admin/schedules'),
      api('/api/v1/admin/failures', { query: { limit: 10 } }),
      loadModels(),
    ]);
    // 503 "degraded" still describes the workers and the queue.
    if (w.data && typeof w.data === 'object' && w.data.queue) setWorkers(w.data);
    if (s.ok) setTasks(s.data.tasks || []);
    if (f.ok) setFailedJobs(f.data.failures || []);
    setErrors({
      workers: w.data && w.data.queue ? '' : w.error,
      tasks: s.ok ? '' : s.error,
      failures: f.ok ? '' : f.error,
    });
    setUpdated(new Date());
  }, []);

  useEffect(() => {
    load();
    const t = setInterval(load, 10000);
    return () => clearInterval(t);
  }, [load]);

  const failures = [
    ...failedJobs.map((j) => ({
      what: `Job ${j.name || j.job_id} of ${j.user_email}`,
      when: j.failed_at,
      text: `${j.error || 'failed'} (${j.processed_count} of ${j.image_count} image${j.image_count === 1 ? '' : 's'} done)`,
    })),
    ...(workers?.workers || []).filter((w) => w.error).map((w) => ({ what: `Worker ${w.id}`, when: w.last_heartbeat, text: w.error })),
    ...(tasks || []).filter((t) => t.last_run && t.last_run.ok === false)
      .map((t) => ({ what: `Task ${t.name}`, when: t.last_run.finished_at || t.last_run.started_at, text: resultText(t.last_run.result) })),
  ];

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Admin</h1>
        <div class="actions">
          <span class="muted small-text" role="status">{updated ? `Updated ${updated.toLocaleTimeString()}` : 'Loading…'}</span>
          <button type="button" onClick={load}>Refresh</button>
        </div>
      </div>
      <div class="admin-grid">
        <Workers data={workers} error={errors.workers} />
        <section class="card" aria-labelledby="failures-title">
          <h2 id="failures-title">Recent failures</h2>
          <ErrorNote>{errors.failures}</ErrorNote>
          {failures.length === 0 ? (
            <p class="muted">No failed job, and none reported by the workers or the scheduled tasks.</p>
          ) : (
            <ul class="failures">
              {failures.map((f, i) => (
                <li key={i}>
                  <strong>{f.what}</strong> <span class="muted">{fmtDate(f.when)}</span>
                  <div class="mono wrap">{f.text}</div>
                </li>
              ))}
            </ul>
          )}
          <p class="hint">The last 10 failed jobs of every user, the workers' errors and the failed scheduled runs.</p>
        </section>
      </div>
      <Models onChanged={load} />
      <Schedules tasks={tasks} error={errors.tasks} />
    </>
  );
}

function resultText(r) {
  if (r === null || r === undefined) return '';
  return typeof r === 'string' ? r : JSON.stringify(r);
}

function Workers({ data, error }) {
  const q = data?.queue;
  return (
    <section class="card" aria-labelledby="workers-title">
      <h2 id="workers-title">Workers and queue</h2>
      <ErrorNote>{error}</ErrorNote>
      {data && (
        <>
          <dl class="facts">
            <div><dt>Status</dt><dd><span class={`badge ${data.status === 'ok' ? 's-completed' : 's-failed'}`}>{data.status}</span></dd></div>
            <div><dt>Queue depth</dt><dd data-stat="queue-depth">{q.depth}</dd></div>
            <div><dt>In flight</dt><dd>{q.in_flight}</dd></div>
            <div><dt>Oldest queued</dt><dd>{Number(q.oldest_queued_age_s || 0).toFixed(1)} s</dd></div>
          </dl>
          <div class="table-scroll">
            <table class="plain">
              <caption class="visually-hidden">Workers</caption>
              <thead>
                <tr><th scope="col">Worker</th><th scope="col">Host / pid</th><th scope="col">Jobs done</th><th scope="col">Current job</th><th scope="col">Last heartbeat</th></tr>
              </thead>
              <tbody>
                {(data.workers || []).map((w) => (
                  <tr key={w.id}>
                    <td class="mono">{w.id}</td>
                    <td>{w.host ? `${w.host} / ${w.pid}` : '—'}</td>
                    <td>{w.jobs_done}</td>
                    <td class="mono">{w.current_job || '—'}</td>
                    <td>{fmtDate(w.last_heartbeat)}</td>
                  </tr>
                ))}
                {(data.workers || []).length === 0 && (
                  <tr><td colSpan={5}>No worker heard from recently.</td></tr>
                )}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function Models({ onChanged }) {
  const { models, aliases, error } = useStore(modelsStore);
  const [busy, setBusy] = useState('');
  const [res, setRes] = useState({ ok: '', error: '' });
  const act = async (name, action) => {
    setBusy(`${name}:${action}`);
    const r = await api(`/api/v1/models/${encodeURIComponent(name)}/${action}`, { method: 'POST' });
    setBusy('');
    setRes(r.ok ? { ok: `${name}: ${action} done.`, error: '' } : { ok: '', error: `${name}: ${r.error}` });
    onChanged();
  };
  return (
    <section class="card" aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      <ErrorNote>{error}</ErrorNote>
      <div class="table-scroll">
        <table class="plain">
          <caption class="visually-hidden">Models</caption>
          <thead>
            <tr><th scope="col">Model</th><th scope="col">State</th><th scope="col">Family / input</th><th scope="col">Aliases</th><th scope="col">Inferences</th><th scope="col">Actions</th></tr>
          </thead>
          <tbody>
            {models.map((m) => {
              const loaded = m.state === 'loaded';
              return (
                <tr key={m.name} data-model={m.name}>
                  <td>
                    <strong>{m.name}</strong> {m.version && <span class="muted">v{m.version}</span>} {m.is_default && <span class="badge small">default</span>}
                  </td>
                  <td>
                    <span class={`badge small ${loaded ? 's-completed' : m.state === 'failed' ? 's-failed' : 's-queued'}`}>{m.state}</span>
                    {m.reason && <div class="muted small-text">{m.reason}</div>}
                  </td>
                  <td>{m.family || '—'}{m.input_width ? ` · ${m.input_width}×${m.input_height}` : ''}</td>
                  <td>{(m.aliases || []).join(', ') || '—'}</td>
                  <td>{m.counters ? Math.round(m.counters.inferences || 0) : '—'}</td>
                  <td class="row-actions">
                    {!loaded && (
                      <button type="button" class="small" disabled={!!busy} onClick={() => act(m.name, 'load')} aria-label={`Load ${m.name}`}>Load</button>
                    )}
                    {loaded && (
                      <button type="button" class="small" disabled={!!busy} onClick={() => act(m.name, 'reload')} aria-label={`Reload ${m.name}`}>Reload</button>
                    )}
                    {loaded && (
                      <button type="button" class="small danger-outline" disabled={!!busy} onClick={() => act(m.name, 'unload')} aria-label={`Unload ${m.name}`}>Unload</button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {aliases.length > 0 && (
        <p class="muted">
          Aliases: {aliases.map((a) => `${a.alias} → ${a.follows_default ? `${a.model} (the default)` : a.model}`).join('; ')}
        </p>
      )}
      {busy && <p class="muted" role="status">Working…</p>}
      {res.ok && <StatusNote>{res.ok}</StatusNote>}
      <ErrorNote>{res.error}</ErrorNote>
    </section>
  );
}

function Schedules({ tasks, error }) {
  return (
    <section class="card" aria-labelledby="schedules-title">
      <h2 id="schedules-title">Scheduled tasks</h2>
      <ErrorNote>{error}</ErrorNote>
      {tasks && (
        <div class="table-scroll">
          <table class="plain">
            <caption class="visually-hidden">Scheduled tasks</caption>
            <thead>
              <tr><th scope="col">Task</th><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Last run</th></tr>
            </thead>
            <tbody>
              {tasks.map((t) => (
                <tr key={t.name}>
                  <td class="mono">{t.name}</td>
                  <td class="mono">{t.schedule}</td>
                  <td>{fmtDate(t.next_run_at)}</td>
                  <td>
                    {t.running ? <span class="badge small s-processing">running</span>
                      : !t.last_run ? <span class="muted">never</span>
                      : (
                        <>
                          <span class={`badge small ${t.last_run.ok ? 's-completed' : 's-failed'}`}>{t.last_run.ok ? 'ok' : 'failed'}</span>{' '}
                          {fmtDate(t.last_run.finished_at || t.last_run.started_at)}
                          {t.last_run.node && <span class="muted"> on {t.last_run.node}</span>}
                        </>
                      )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
