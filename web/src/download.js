// Downloads made in the browser: a blob saved under a name, and the annotated image drawn by the
// app (the boxes shown, with the current filters) into a canvas at the image's own size.
import { classColor, pct } from './format.js';

export function saveBlob(blob, filename) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 30000);
}

export function saveJson(value, filename) {
  saveBlob(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }), filename);
}

export async function annotatedPng(src, boxes, normOf) {
  const img = new Image();
  img.src = src;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const line = Math.max(2, Math.round(c.width / 400));
  const size = Math.max(12, Math.round(c.width / 55));
  ctx.font = `600 ${size}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  for (const d of boxes) {
    const b = normOf(d);
    const x1 = b.x1 * c.width;
    const y1 = b.y1 * c.height;
    const color = classColor(d.class_id).replace(/ /g, ', ');
    ctx.strokeStyle = color;
    ctx.lineWidth = line;
    ctx.strokeRect(x1, y1, (b.x2 - b.x1) * c.width, (b.y2 - b.y1) * c.height);
    const text = `${d.class} ${pct(d.confidence)}`;
    const tw = ctx.measureText(text).width + size * 0.6;
    const th = size * 1.35;
    const ty = y1 - th >= 0 ? y1 - th : y1;
    ctx.fillStyle = color;
    ctx.fillRect(x1 - line / 2, ty, tw, th);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, x1 - line / 2 + size * 0.3, ty + size * 0.18);
  }
  return new Promise((resolve) => c.toBlob(resolve, 'image/png'));
}
