import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { batchProblem, fileProblem, parseClasses } from '../checks.js';
import { FilePicker } from '../components/FilePicker.jsx';
import { ErrorNote } from '../components/Notice.jsx';
import { configStore } from '../config.js';
import { fmtBytes, pct } from '../format.js';
import { loadModels, modelsStore } from '../models.js';
import { navigate } from '../router.jsx';
import { useStore } from '../store.js';

let nextId = 1;

export function Upload() {
  const config = useStore(configStore);
  const { models, loaded: modelsLoaded, error: modelsError } = useStore(modelsStore);
  const [files, setFiles] = useState([]);
  const [model, setModel] = useState('');
  const [confidence, setConfidence] = useState(null);
  const [classes, setClasses] = useState('');
  const [tiled, setTiled] = useState(false);
  const [tileW, setTileW] = useState('640');
  const [tileH, setTileH] = useState('640');
  const [overlap, setOverlap] = useState('0.2');
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    loadModels();
  }, []);

  const usable = models.filter((m) => m.state === undefined || m.state === 'loaded');
  const chosen = usable.find((m) => m.name === model) || usable.find((m) => m.is_default) || usable[0];
  const labels = chosen ? chosen.labels || [] : [];
  const conf = confidence ?? config.confidence_threshold ?? 0.25;

  const good = files.filter((f) => !f.problem);
  const bad = files.length - good.length;
  const batchIssue = batchProblem(good.map((f) => f.file), config);
  const picked = useMemo(() => new Set(parseClasses(classes)), [classes]);
  const unknown = labels.length ? [...picked].filter((c) => !labels.includes(c) && !/^\d+$/.test(c)) : [];

  const add = (list) => {
    setError('');
    setFiles((old) => [...old, ...list.map((file) => ({ id: nextId++, file, problem: fileProblem(file, config) }))]);
  };
  const remove = (id) => setFiles((old) => old.filter((f) => f.id !== id));

  const toggleLabel = (label) => {
    const s = new Set(picked);
    if (s.has(label)) s.delete(label);
    else s.add(label);
    setClasses([...s].join(', '));
  };

  const submit = async (e) => {
    e.preventDefault();
    setError('');
    if (!good.length) {
      setError(files.length ? 'None of the chosen files can be sent: see the problems above.' : 'Choose at least one image first.');
      return;
    }
    if (batchIssue) {
      setError(batchIssue);
      return;
    }
    if (unknown.length) {
      setError(`The model does not know: ${unknown.join(', ')}.`);
      return;
    }
    const form = new FormData();
    const field = good.length === 1 ? 'image' : 'images';
    for (const f of good) form.append(field, f.file, f.file.name);
    form.append('confidence', String(conf));
    if (chosen) form.append('model', chosen.name);
    if (picked.size) form.append('classes', [...picked].join(','));
    if (tiled) {
      form.append('tile', `${parseInt(tileW, 10)}x${parseInt(tileH, 10)}`);
      form.append('tile_overlap', String(overlap));
    }
    const jobName = name.trim() || good.map((f) => f.file.name).join(', ').slice(0, 200);
    form.append('name', jobName);
    setBusy(true);
    const path = good.length === 1 ? '/api/v1/detect/image' : '/api/v1/detect/batch';
    const r = await api(path, { method: 'POST', form });
    setBusy(false);
    if (!r.ok) {
      setError(r.status === 413 && !(r.data && r.data.detail) ? 'The server refused the upload as too large.' : r.error);
      return;
    }
    setFiles([]);
    navigate(`/jobs/${r.data.job_id}`);
  };

  const hint = `JPEG, PNG, WebP, BMP or TIFF, up to ${fmtBytes(config.max_upload_bytes)}; at most ${config.max_batch_images} images at once.`;
  const count = good.length;

  return (
    <>
      <h1 tabIndex={-1}>Upload</h1>
      <form onSubmit={submit} class="upload" noValidate>
        <section class="card" aria-labelledby="upload-images-title">
          <h2 id="upload-images-title">Images</h2>
          <FilePicker files={files} onAdd={add} onRemove={remove} accept={(config.image_types || []).join(',')} hint={hint} />
          {bad > 0 && <p class="hint">Files with a problem are not sent; remove them or choose others.</p>}
          {batchIssue && <ErrorNote>{batchIssue}</ErrorNote>}
        </section>

        <section class="card" aria-labelledby="upload-options-title">
          <h2 id="upload-options-title">Options</h2>
          <div class="grid2">
            <div class="field">
              <label for="upload-model">Model</label>
              <select id="upload-model" value={chosen ? chosen.name : ''} onChange={(e) => setModel(e.currentTarget.value)}
                disabled={!usable.length}>
                {!usable.length && <option value="">{modelsLoaded ? 'No model loaded' : 'Loading…'}</option>}
                {usable.map((m) => (
                  <option key={m.name} value={m.name}>
                    {m.name}
                    {m.version ? ` v${m.version}` : ''}
                    {m.is_default ? ' (default)' : ''}
                  </option>
                ))}
              </select>
              {modelsError && <p class="hint">The models could not be listed: {modelsError}</p>}
            </div>
            <div class="field">
              <label for="upload-confidence">
                Minimum confidence <output for="upload-confidence">{pct(conf)}</output>
              </label>
              <input id="upload-confidence" type="range" min="0.05" max="1" step="0.05" value={conf}
                onInput={(e) => setConfidence(parseFloat(e.currentTarget.value))} />
            </div>
            <div class="field">
              <label for="upload-name">Job name (optional)</label>
              <input id="upload-name" maxLength={200} value={name} placeholder="The file names"
                onInput={(e) => setName(e.currentTarget.value)} />
            </div>
            <div class="field">
              <label for="upload-classes">Only these classes (optional)</label>
              <input id="upload-classes" value={classes} placeholder="e.g. dog, person" aria-describedby="upload-classes-hint"
                onInput={(e) => setClasses(e.currentTarget.value)} />
              <p class="hint" id="upload-classes-hint">Comma-separated; empty finds every class.</p>
              {unknown.length > 0 && <p class="file-problem">Not a class of this model: {unknown.join(', ')}</p>}
              {labels.length > 0 && (
                <details class="labels">
                  <summary>Pick from the model's {labels.length} classes</summary>
                  <fieldset>
                    <legend class="visually-hidden">Classes of {chosen.name}</legend>
                    <div class="label-grid">
                      {labels.map((l, i) => (
                        <label key={l} class="check">
                          <input type="checkbox" id={`upload-class-${i}`} checked={picked.has(l)} onChange={() => toggleLabel(l)} />
                          {l}
                        </label>
                      ))}
                    </div>
                  </fieldset>
                </details>
              )}
            </div>
          </div>
          <fieldset class={`tiles${tiled ? ' open' : ''}`}>
            <legend>
              <label class="check">
                <input type="checkbox" id="upload-tile" checked={tiled} onChange={(e) => setTiled(e.currentTarget.checked)} />
                Detect in tiles (small objects in large images)
              </label>
            </legend>
            {tiled && (
              <div class="grid3">
                <div class="field">
                  <label for="upload-tile-w">Tile width (px)</label>
                  <input id="upload-tile-w" type="number" min="32" max="8192" value={tileW} onInput={(e) => setTileW(e.currentTarget.value)} />
                </div>
                <div class="field">
                  <label for="upload-tile-h">Tile height (px)</label>
                  <input id="upload-tile-h" type="number" min="32" max="8192" value={tileH} onInput={(e) => setTileH(e.currentTarget.value)} />
                </div>
                <div class="field">
                  <label for="upload-tile-overlap">Overlap (0 to 0.9)</label>
                  <input id="upload-tile-overlap" type="number" min="0" max="0.9" step="0.05" value={overlap}
                    onInput={(e) => setOverlap(e.currentTarget.value)} />
                </div>
                <p class="hint span3">At most {config.max_tiles} tiles per image, the whole image included.</p>
              </div>
            )}
          </fieldset>
        </section>

        <div class="actions">
          <button class="primary" type="submit" disabled={busy}>
            {busy ? 'Uploading…' : count > 1 ? `Detect objects in ${count} images` : 'Detect objects'}
          </button>
          {busy && (
            <span role="status" class="muted">
              Uploading {count} {count === 1 ? 'image' : 'images'}…
            </span>
          )}
        </div>
        <ErrorNote id="upload-error">{error}</ErrorNote>
      </form>
    </>
  );
}
