// The live socket's state, announced politely when it changes.
import { useStore } from '../store.js';
import { liveStore } from '../ws.js';

const TEXT = {
  off: 'Live updates off',
  connecting: 'Connecting…',
  connected: 'Live',
  disconnected: 'Reconnecting…',
};

export function LiveIndicator() {
  const state = useStore(liveStore);
  return (
    <span class={`live live-${state}`} data-live={state} role="status" title="Live updates of your jobs">
      <span class="dot" aria-hidden="true" />
      <span class="live-text">
        <span class="visually-hidden">Live updates: </span>
        {state === 'connected' ? 'connected' : TEXT[state]}
      </span>
    </span>
  );
}
