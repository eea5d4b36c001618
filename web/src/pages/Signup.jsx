import { useState } from 'preact/hooks';
import { signup } from '../auth.js';
import { ErrorNote } from '../components/Notice.jsx';
import { flash } from '../flash.js';
import { Link, navigate } from '../router.jsx';

export function Signup() {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setError('');
    if (password.length < 8) {
      setError('The password needs at least 8 characters.');
      return;
    }
    setBusy(true);
    const r = await signup(name, email.trim(), password);
    setBusy(false);
    if (!r.ok) {
      setError(r.status === 409 ? 'An account with this email exists already. Log in instead.' : r.error);
      return;
    }
    flash('Account created. Log in with your email and password.', { email: email.trim() });
    navigate('/login');
  };

  return (
    <section class="card narrow">
      <h1 tabIndex={-1}>Sign up</h1>
      <form onSubmit={submit}>
        <div class="field">
          <label for="signup-name">Name</label>
          <input id="signup-name" autocomplete="name" maxLength={100} value={name}
            onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="signup-email">Email</label>
          <input id="signup-email" type="email" autocomplete="email" required value={email}
            onInput={(e) => setEmail(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="signup-password">Password</label>
          <input id="signup-password" type="password" autocomplete="new-password" required minLength={8}
            maxLength={128} aria-describedby="signup-password-hint" value={password}
            onInput={(e) => setPassword(e.currentTarget.value)} />
          <p class="hint" id="signup-password-hint">8 to 128 characters.</p>
        </div>
        <ErrorNote>{error}</ErrorNote>
        <button class="primary" type="submit" disabled={busy}>
          {busy ? 'Creating the account…' : 'Create account'}
        </button>
      </form>
      <p class="muted">
        Have an account? <Link href="/login">Log in</Link>
      </p>
    </section>
  );
}
