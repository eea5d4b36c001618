// An image with its boxes drawn over it by the app (HTML boxes placed in percent of the image,
// so they follow every size), zoomed with the buttons, the wheel or + and -, and panned by
// dragging or with the arrow keys.
import { useEffect, useRef, useState } from 'preact/hooks';
import { classColor, pct } from '../format.js';

const MAX_ZOOM = 8;
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

export function norm(d, image) {
  const n = d.bbox_normalized;
  if (n) return n;
  const b = d.bbox;
  return { x1: b.x1 / image.width, y1: b.y1 / image.height, x2: b.x2 / image.width, y2: b.y2 / image.height };
}

export function ImageViewer({ image, src, boxes }) {
  const stage = useRef(null);
  const [view, setView] = useState({ z: 1, x: 0, y: 0 });
  const drag = useRef(null);
  const w = image.width || 4;
  const h = image.height || 3;

  useEffect(() => setView({ z: 1, x: 0, y: 0 }), [image.image_id]);

  const fit = (v) => {
    const el = stage.current;
    if (!el) return v;
    const sw = el.clientWidth;
    const sh = el.clientHeight;
    return { z: v.z, x: clamp(v.x, sw - sw * v.z, 0), y: clamp(v.y, sh - sh * v.z, 0) };
  };
  const zoomAt = (factor, cx, cy) =>
    setView((v) => {
      const el = stage.current;
      const px = cx ?? (el ? el.clientWidth / 2 : 0);
      const py = cy ?? (el ? el.clientHeight / 2 : 0);
      const z = clamp(v.z * factor, 1, MAX_ZOOM);
      const k = z / v.z;
      return fit({ z, x: px - (px - v.x) * k, y: py - (py - v.y) * k });
    });
  const pan = (dx, dy) => setView((v) => fit({ z: v.z, x: v.x + dx, y: v.y + dy }));

  // The wheel zooms around the pointer (a listener that may cancel the page's scroll).
  useEffect(() => {
    const el = stage.current;
    if (!el) return undefined;
    const onWheel = (e) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const onKey = (e) => {
    const step = 48;
    const keys = {
      ArrowLeft: () => pan(step, 0),
      ArrowRight: () => pan(-step, 0),
      ArrowUp: () => pan(0, step),
      ArrowDown: () => pan(0, -step),
      '+': () => zoomAt(1.25),
      '=': () => zoomAt(1.25),
      '-': () => zoomAt(0.8),
      0: () => setView({ z: 1, x: 0, y: 0 }),
    };
    const fn = keys[e.key];
    if (fn) {
      e.preventDefault();
      fn();
    }
  };

  const down = (e) => {
    if (view.z === 1 || e.button !== 0) return;
    drag.current = { x: e.clientX, y: e.clientY };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const move = (e) => {
    if (!drag.current) return;
    pan(e.clientX - drag.current.x, e.clientY - drag.current.y);
    drag.current = { x: e.clientX, y: e.clientY };
  };
  const up = () => {
    drag.current = null;
  };

  return (
    <div class="viewer">
      <div class="zoom-bar" role="group" aria-label="Zoom">
        <button type="button" class="small" onClick={() => zoomAt(1 / 1.5)} disabled={view.z <= 1} aria-label="Zoom out">
          −
        </button>
        <output class="zoom-level" aria-live="polite" aria-label="Zoom level">
          {Math.round(view.z * 100)}%
        </output>
        <button type="button" class="small" onClick={() => zoomAt(1.5)} disabled={view.z >= MAX_ZOOM} aria-label="Zoom in">
          +
        </button>
        <button type="button" class="small" onClick={() => setView({ z: 1, x: 0, y: 0 })} disabled={view.z === 1}>
          Fit
        </button>
      </div>
      <div
        ref={stage}
        class={`stage${view.z > 1 ? ' zoomed' : ''}`}
        style={{ aspectRatio: `${w} / ${h}`, width: `min(100%, calc(70vh * ${w / h}))` }}
        tabIndex={0}
        role="group"
        aria-label={`${image.filename}: ${boxes.length} objects shown. Arrow keys pan, plus and minus zoom, 0 fits.`}
        onKeyDown={onKey}
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={up}
      >
        <div class="canvas" style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.z})` }}>
          {src ? <img class="photo" src={src} alt={image.filename} draggable={false} /> : <div class="photo placeholder" />}
          <ul class="overlay" aria-label="Detected objects">
            {boxes.map((d) => {
              const b = norm(d, image);
              const top = b.y1 < 0.06;
              return (
                <li
                  key={d.key}
                  class="box"
                  data-class={d.class}
                  style={{
                    left: `${b.x1 * 100}%`,
                    top: `${b.y1 * 100}%`,
                    width: `${(b.x2 - b.x1) * 100}%`,
                    height: `${(b.y2 - b.y1) * 100}%`,
                    '--c': classColor(d.class_id),
                    '--s': 1 / view.z,
                  }}
                >
                  <span class={`tag${top ? ' inside' : ''}`}>
                    <span class="tag-class">{d.class}</span> {pct(d.confidence)}
                  </span>
                </li>
              );
            })}
          </ul>
        </div>
      </div>
    </div>
  );
}
