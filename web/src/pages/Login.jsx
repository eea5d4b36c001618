import { useState } from 'preact/hooks';
import { login } from '../auth.js';
import { ErrorNote, StatusNote } from '../components/Notice.jsx';
import { Link } from '../router.jsx';
import { takeFlash } from '../flash.js';

export function Login() {
  const [notice] = useState(() => takeFlash());
  const [email, setEmail] = useState(notice?.email || '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    const r = await login(email.trim(), password);
    setBusy(false);
    if (!r.ok) setError(r.error);
  };

  return (
    <section class="card narrow">
      <h1 tabIndex={-1}>Log in</h1>
      {notice?.text && <StatusNote>{notice.text}</StatusNote>}
      <form onSubmit={submit}>
        <div class="field">
          <label for="login-email">Email</label>
          <input id="login-email" type="email" autocomplete="username" required value={email}
            onInput={(e) => setEmail(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="login-password">Password</label>
          <input id="login-password" type="password" autocomplete="current-password" required value={password}
            onInput={(e) => setPassword(e.currentTarget.value)} />
        </div>
        <ErrorNote>{error}</ErrorNote>
        <button class="primary" type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p class="muted">
        No account yet? <Link href="/signup">Sign up</Link>
      </p>
    </section>
  );
}

