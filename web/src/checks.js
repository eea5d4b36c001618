// What the server would refuse, checked before anything is sent (GET /api/v1/client-config).
import { fmtBytes } from './format.js';

const BY_EXTENSION = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', jfif: 'image/jpeg', png: 'image/png', webp: 'image/webp',
  bmp: 'image/bmp', tif: 'image/tiff', tiff: 'image/tiff',
};

export function fileType(file) {
  if (file.type) return file.type;
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  return BY_EXTENSION[ext] || '';
}

// The problem with one file, as a sentence, or '' when it may be sent.
export function fileProblem(file, config) {
  const type = fileType(file);
  const types = config.image_types || [];
  if (!types.includes(type)) {
    return `${file.name} is not an image type we accept (${type || 'unknown type'}): use JPEG, PNG, WebP, BMP or TIFF.`;
  }
  if (file.size === 0) return `${file.name} is empty.`;
  if (file.size > config.max_upload_bytes) {
    return `${file.name} is too large: ${fmtBytes(file.size)}, and the limit is ${fmtBytes(config.max_upload_bytes)}.`;
  }
  return '';
}

// Problems of the whole upload (count, total size), or ''.
export function batchProblem(files, config) {
  if (files.length > config.max_batch_images) {
    return `Too many images: ${files.length}. At most ${config.max_batch_images} go in one upload; remove some.`;
  }
  const total = files.reduce((n, f) => n + f.size, 0);
  // The limit holds for the whole request; leave room for the form's other parts.
  if (files.length > 1 && total + 2048 * files.length > config.max_upload_bytes) {
    return `Together these images are ${fmtBytes(total)}, over the ${fmtBytes(config.max_upload_bytes)} one upload may carry. Send them in smaller groups.`;
  }
  return '';
}

export function parseClasses(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}
