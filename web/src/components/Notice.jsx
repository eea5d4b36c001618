// Messages: errors are alerts (read at once), other news a polite status.
export function ErrorNote({ children, id }) {
  if (!children) return null;
  return (
    <p class="note error" role="alert" id={id}>
      {children}
    </p>
  );
}

export function StatusNote({ children }) {
  return (
    <p class="note ok" role="status" aria-live="polite">
      {children}
    </p>
  );
}
