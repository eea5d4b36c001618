// A job's status and progress: a bar, "3 / 10 images", announced politely as it moves.
const WORDS = {
  queued: 'Queued',
  processing: 'Processing',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const statusWord = (s) => WORDS[s] || s;
export const finished = (s) => s === 'completed' || s === 'failed' || s === 'cancelled';

export function StatusBadge({ status }) {
  return <span class={`badge s-${status}`}>{statusWord(status)}</span>;
}

export function JobProgress({ job }) {
  const total = job.progress?.total ?? job.images?.length ?? 0;
  const done = job.progress?.done ?? 0;
  return (
    <div class="progress-block">
      <progress id="job-progress" max={total || 1} value={done} aria-label="Progress" aria-valuetext={`${done} of ${total} images`} />
      <p class="progress-text" role="status" aria-live="polite" data-status={job.status}>
        <StatusBadge status={job.status} /> <span class="count">{done} / {total}</span> {total === 1 ? 'image' : 'images'}
      </p>
    </div>
  );
}
