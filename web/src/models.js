// GET /api/v1/models, shared by the upload options and the admin page.
import { api } from './api.js';
import { createStore } from './store.js';

export const modelsStore = createStore({ models: [], aliases: [], loaded: false, error: '' });

export async function loadModels() {
  const r = await api('/api/v1/models');
  if (r.ok) modelsStore.set({ models: r.data.models || [], aliases: r.data.aliases || [], loaded: true, error: '' });
  else modelsStore.set({ ...modelsStore.get(), error: r.error });
  return r;
}
