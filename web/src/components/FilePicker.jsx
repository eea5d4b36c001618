// Drag and drop or the file picker; the chosen files as thumbnails (object URLs), each with its
// problem, if any, and a button to remove it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { fmtBytes } from '../format.js';

export function FilePicker({ files, onAdd, onRemove, accept, hint }) {
  const [over, setOver] = useState(false);
  const input = useRef(null);
  const depth = useRef(0);

  // A file dropped beside the zone would make the browser leave the app to show it.
  useEffect(() => {
    const stop = (e) => {
      if (e.dataTransfer && [...e.dataTransfer.types].includes('Files')) e.preventDefault();
    };
    window.addEventListener('dragover', stop);
    window.addEventListener('drop', stop);
    return () => {
      window.removeEventListener('dragover', stop);
      window.removeEventListener('drop', stop);
    };
  }, []);

  const drop = (e) => {
    e.preventDefault();
    depth.current = 0;
    setOver(false);
    if (e.dataTransfer && e.dataTransfer.files.length) onAdd([...e.dataTransfer.files]);
  };

  return (
    <div>
      <div
        class={`drop${over ? ' over' : ''}`}
        onDragEnter={(e) => {
          e.preventDefault();
          depth.current++;
          setOver(true);
        }}
        onDragOver={(e) => e.preventDefault()}
        onDragLeave={() => {
          depth.current = Math.max(0, depth.current - 1);
          if (!depth.current) setOver(false);
        }}
        onDrop={drop}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" width="32" height="32" class="drop-icon">
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3" fill="none"
            stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />
        </svg>
        <p>Drag and drop images here, or</p>
        <input ref={input} id="upload-files" class="visually-hidden" type="file" multiple accept={accept}
          aria-describedby="upload-files-hint"
          onChange={(e) => {
            const list = [...e.currentTarget.files];
            e.currentTarget.value = '';
            if (list.length) onAdd(list);
          }} />
        <label for="upload-files" class="button">
          Choose images
        </label>
        <p class="hint" id="upload-files-hint">{hint}</p>
      </div>
      {files.length > 0 && (
        <ul class="files" aria-label="Chosen images">
          {files.map((f) => (
            <li key={f.id} class={f.problem ? 'bad' : ''}>
              <Thumb file={f} />
              <div class="file-meta">
                <span class="file-name">{f.file.name}</span>
                <span class="muted">{fmtBytes(f.file.size)}</span>
                {f.problem && <span class="file-problem" role="alert">{f.problem}</span>}
              </div>
              <button type="button" class="ghost small" aria-label={`Remove ${f.file.name}`} onClick={() => onRemove(f.id)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Thumb({ file }) {
  const [url, setUrl] = useState('');
  useEffect(() => {
    if (file.problem) return undefined;
    const u = URL.createObjectURL(file.file);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [file]);
  if (!url) return <span class="thumb placeholder" aria-hidden="true" />;
  return <img class="thumb" src={url} alt="" />;
}
