// GET /api/v1/client-config: the limits the app checks before an upload (public).
import { api } from './api.js';
import { createStore } from './store.js';

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/bmp', 'image/tiff'];

export const configStore = createStore({
  company_name: 'ObjectVision',
  max_upload_bytes: 10 * 1024 * 1024,
  max_batch_images: 20,
  image_types: IMAGE_TYPES,
  confidence_threshold: 0.25,
  max_tiles: 64,
  loaded: false,
});

export async function loadConfig() {
  const r = await api('/api/v1/client-config', { auth: false });
  if (r.ok && r.data && typeof r.data === 'object') {
    configStore.set({ ...configStore.get(), ...r.data, loaded: true });
  }
}
