// A job: live progress, then each image with the boxes drawn by the app, filters (confidence,
// classes), counts, zoom, and downloads (the app's annotated PNG, the job's JSON).
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useBlobUrl } from '../blobs.js';
import { ConfirmDialog } from '../components/ConfirmDialog.jsx';
import { ImageViewer, norm } from '../components/ImageViewer.jsx';
import { finished, JobProgress } from '../components/JobProgress.jsx';
import { ErrorNote } from '../components/Notice.jsx';
import { configStore } from '../config.js';
import { annotatedPng, saveBlob, saveJson } from '../download.js';
import { classColor, countsText, fmtDate, fmtDuration, jobTitle, pct } from '../format.js';
import { Link, navigate } from '../router.jsx';
import { useStore } from '../store.js';
import { liveStore, onLive } from '../ws.js';

export function Job({ params }) {
  const id = params.id;
  const [job, setJob] = useState(null);
  const [error, setError] = useState('');
  const [gone, setGone] = useState('');
  const [sel, setSel] = useState(0);
  const seq = useRef(0);
  const live = useStore(liveStore);

  const load = useCallback(async () => {
    const n = ++seq.current;
    const r = await api(`/api/v1/detect/jobs/${encodeURIComponent(id)}`);
    if (n !== seq.current) return;
    if (r.ok) {
      setJob(r.data);
      setError('');
    } else if (r.status === 404 || r.status === 422) setGone('There is no such job, or it is not yours.');
    else setError(r.error);
  }, [id]);

  useEffect(() => {
    setJob(null);
    setGone('');
    setSel(0);
    load();
  }, [id]);

  useEffect(
    () =>
      onLive((msg) => {
        if (msg.type === 'live.reconnected') {
          load();
          return;
        }
        if (msg.job_id !== id) return;
        if (msg.type === 'job.deleted') {
          setGone('This job was deleted.');
          return;
        }
        setJob((j) => {
          if (!j) return j;
          const p = msg.progress;
          const progress = p ? { done: Math.max(p.done, j.progress?.done || 0), total: p.total } : j.progress;
          return { ...j, status: finished(j.status) ? j.status : msg.status || j.status, progress };
        });
        load(); // the results of the images done so far
      }),
    [id, load],
  );

  // Without the live socket, a running job is polled.
  const running = job && !finished(job.status);
  useEffect(() => {
    if (!running || live === 'connected') return undefined;
    const t = setInterval(load, 3000);
    return () => clearInterval(t);
  }, [running, live, load]);

  if (gone) {
    return (
      <section class="card narrow">
        <h1 tabIndex={-1}>Job not found</h1>
        <p>{gone}</p>
        <p>
          <Link href="/history">Back to the history</Link>
        </p>
      </section>
    );
  }
  if (!job) {
    return (
      <>
        <h1 tabIndex={-1}>Result</h1>
        {error ? <ErrorNote>{error}</ErrorNote> : <p class="muted" role="status">Loading the job…</p>}
      </>
    );
  }
  const images = job.images || [];
  const image = images[Math.min(sel, images.length - 1)];
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>{jobTitle(job)}</h1>
        <JobActions job={job} />
      </div>
      <section class="card" aria-label="Status">
        <JobProgress job={job} />
        <dl class="facts">
          <div><dt>Created</dt><dd>{fmtDate(job.created_at)}</dd></div>
          <div><dt>Finished</dt><dd>{fmtDate(job.finished_at)}</dd></div>
          <div><dt>Duration</dt><dd>{fmtDuration(job.duration_ms)}</dd></div>
          {job.params?.model && <div><dt>Model</dt><dd>{job.params.model}</dd></div>}
          <div><dt>Objects</dt><dd>{countsText(totals(images))}</dd></div>
        </dl>
        {job.error && <ErrorNote>{job.error}</ErrorNote>}
        {error && <ErrorNote>{error}</ErrorNote>}
      </section>
      {images.length > 1 && <Thumbnails images={images} sel={sel} onPick={setSel} />}
      {image && <Result key={image.image_id} job={job} image={image} index={sel} count={images.length} />}
    </>
  );
}

function totals(images) {
  const counts = {};
  for (const im of images) for (const d of im.detections || []) counts[d.class] = (counts[d.class] || 0) + 1;
  return counts;
}

function JobActions({ job }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState('');
  const running = !finished(job.status);
  const act = async () => {
    setAsking(false);
    const r = await api(`/api/v1/detect/jobs/${job.job_id}`, { method: 'DELETE' });
    if (!r.ok) setError(r.error);
    else if (!running) navigate('/history');
  };
  return (
    <div class="actions">
      <button type="button" onClick={() => saveJson(job, `job-${job.job_id}.json`)}>
        Download JSON
      </button>
      <button type="button" class="danger-outline" onClick={() => setAsking(true)}>
        {running ? 'Cancel job' : 'Delete job'}
      </button>
      <ConfirmDialog open={asking} title={running ? 'Cancel this job?' : 'Delete this job?'}
        confirmLabel={running ? 'Cancel job' : 'Delete job'} onConfirm={act} onCancel={() => setAsking(false)}>
        <p>
          {running
            ? 'The images not processed yet are skipped; those done keep their results.'
            : `“${jobTitle(job)}”, its images and results are deleted for good.`}
        </p>
      </ConfirmDialog>
      <ErrorNote>{error}</ErrorNote>
    </div>
  );
}

function Thumbnails({ images, sel, onPick }) {
  return (
    <section class="card" aria-labelledby="thumbs-title">
      <h2 id="thumbs-title">Images</h2>
      <ul class="thumbs">
        {images.map((im, i) => (
          <li key={im.image_id}>
            <button type="button" class="thumb-button" aria-pressed={i === sel} onClick={() => onPick(i)}
              aria-label={`Image ${i + 1} of ${images.length}: ${im.filename}, ${thumbState(im)}`}>
              <ThumbImage image={im} />
              <span class="thumb-caption">
                <span class="file-name">{im.filename}</span>
                <span class={`badge small s-${im.status}`} data-image-status={im.status}>{thumbState(im)}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function thumbState(im) {
  if (im.status === 'failed') return 'failed';
  if (im.status === 'pending') return 'waiting';
  const n = (im.detections || []).length;
  return `${n} ${n === 1 ? 'object' : 'objects'}`;
}

function ThumbImage({ image }) {
  const { url } = useBlobUrl(image.original_url);
  return url ? <img class="thumb" src={url} alt="" /> : <span class="thumb placeholder" aria-hidden="true" />;
}

function Result({ job, image, index, count }) {
  const config = useStore(configStore);
  const floor = job.params?.confidence ?? config.confidence_threshold ?? 0.25;
  const [minConf, setMinConf] = useState(floor);
  const [hidden, setHidden] = useState(() => new Set());
  const [busy, setBusy] = useState(false);
  const { url, error } = useBlobUrl(image.original_url);

  const all = useMemo(() => (image.detections || []).map((d, i) => ({ ...d, key: i })), [image]);
  const shown = all.filter((d) => d.confidence >= minConf - 1e-9 && !hidden.has(d.class));
  const classes = useMemo(() => {
    const m = new Map();
    for (const d of all) {
      const c = m.get(d.class) || { name: d.class, id: d.class_id, total: 0, shown: 0 };
      c.total++;
      m.set(d.class, c);
    }
    return m;
  }, [all]);
  for (const c of classes.values()) c.shown = 0;
  for (const d of shown) classes.get(d.class).shown++;
  const list = [...classes.values()].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));

  const toggle = (name) =>
    setHidden((h) => {
      const s = new Set(h);
      if (s.has(name)) s.delete(name);
      else s.add(name);
      return s;
    });

  const png = async () => {
    setBusy(true);
    const out = await annotatedPng(url, shown, (d) => norm(d, image));
    setBusy(false);
    if (out) saveBlob(out, `${image.filename.replace(/\.[^.]*$/, '') || 'image'}-annotated.png`);
  };

  return (
    <section class="card result" aria-labelledby="result-title">
      <h2 id="result-title">
        {count > 1 ? `Image ${index + 1} of ${count}: ` : ''}
        {image.filename}
        {image.width ? <span class="muted small-text"> {image.width} × {image.height}</span> : null}
      </h2>
      {image.status === 'failed' && <ErrorNote>{image.error || 'This image could not be processed.'}</ErrorNote>}
      {image.status === 'pending' && <p class="muted">Waiting to be processed…</p>}
      {error && <ErrorNote>The image could not be shown: {error}</ErrorNote>}
      <div class="result-grid">
        <ImageViewer image={image} src={url} boxes={shown} />
        <div class="filters">
          <div class="field">
            <label for="min-confidence">
              Minimum confidence <output for="min-confidence">{pct(minConf)}</output>
            </label>
            <input id="min-confidence" type="range" min={floor} max="1" step="0.01" value={minConf}
              onInput={(e) => setMinConf(parseFloat(e.currentTarget.value))} />
          </div>
          <fieldset class="classes">
            <legend>Classes</legend>
            {list.length === 0 && <p class="muted">{image.status === 'pending' ? 'Not processed yet.' : 'No objects found.'}</p>}
            <ul>
              {list.map((c) => (
                <li key={c.name}>
                  <label class="check">
                    <input type="checkbox" checked={!hidden.has(c.name)} onChange={() => toggle(c.name)} />
                    <span class="swatch" style={{ background: classColor(c.id) }} aria-hidden="true" />
                    <span class="cls-name">{c.name}</span>
                    <span class="muted cls-count" data-class-count={c.name}>
                      {c.shown} of {c.total}
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
          <p class="muted" role="status" aria-live="polite">
            {shown.length} of {all.length} {all.length === 1 ? 'object' : 'objects'} shown
          </p>
          <div class="actions">
            <button type="button" onClick={png} disabled={!url || busy}>
              {busy ? 'Drawing…' : 'Download annotated PNG'}
            </button>
          </div>
          <p class="hint">The PNG is drawn here, with the boxes shown now (your filters).</p>
        </div>
      </div>
    </section>
  );
}
