// The profile (name), the password, the theme, the mails, and the API key for cameras.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { endSession, setUser } from '../auth.js';
import { ConfirmDialog } from '../components/ConfirmDialog.jsx';
import { ErrorNote, StatusNote } from '../components/Notice.jsx';
import { flash } from '../flash.js';
import { navigate } from '../router.jsx';
import { applyTheme } from '../theme.js';
import { startLive, stopLive } from '../ws.js';

function patchUser(user, body) {
  return api(`/api/v1/users/${user.id}`, { method: 'PATCH', json: body });
}

export function Settings({ user }) {
  return (
    <>
      <h1 tabIndex={-1}>Settings</h1>
      <div class="settings-grid">
        <Profile user={user} />
        <Appearance user={user} />
        <Mails user={user} />
        <Password user={user} />
        <ApiKey user={user} />
      </div>
    </>
  );
}

function useResult() {
  const [state, set] = useState({ ok: '', error: '' });
  return [state, (r, okText) => set(r.ok ? { ok: okText, error: '' } : { ok: '', error: r.error })];
}

function Profile({ user }) {
  const [name, setName] = useState(user.name);
  const [busy, setBusy] = useState(false);
  const [res, show] = useResult();
  const submit = async (e) => {
    e.preventDefault();
    if (!name.trim()) {
      show({ ok: false, error: 'The name cannot be empty.' });
      return;
    }
    setBusy(true);
    const r = await patchUser(user, { name: name.trim() });
    setBusy(false);
    if (r.ok) setUser(r.data);
    show(r, 'Name saved.');
  };
  return (
    <section class="card" aria-labelledby="profile-title">
      <h2 id="profile-title">Profile</h2>
      <form onSubmit={submit}>
        <div class="field">
          <label for="settings-email">Email</label>
          <input id="settings-email" value={user.email} readOnly />
        </div>
        <div class="field">
          <label for="settings-name">Name</label>
          <input id="settings-name" maxLength={100} value={name} autocomplete="name" onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <button type="submit" class="primary" disabled={busy}>Save name</button>
        {res.ok && <StatusNote>{res.ok}</StatusNote>}
        <ErrorNote>{res.error}</ErrorNote>
      </form>
    </section>
  );
}

function Appearance({ user }) {
  const theme = user.settings?.theme || 'system';
  const [res, show] = useResult();
  const choose = async (t) => {
    applyTheme(t); // at once; saved with the profile for the next visit
    const r = await patchUser(user, { settings: { theme: t } });
    if (r.ok) setUser(r.data);
    else applyTheme(theme);
    show(r, `Theme: ${t}.`);
  };
  return (
    <section class="card" aria-labelledby="appearance-title">
      <h2 id="appearance-title">Appearance</h2>
      <fieldset class="radios">
        <legend>Theme</legend>
        {[['light', 'Light'], ['dark', 'Dark'], ['system', 'System (follows the device)']].map(([v, l]) => (
          <label class="check" key={v}>
            <input type="radio" name="theme" value={v} checked={theme === v} onChange={() => choose(v)} />
            {l}
          </label>
        ))}
      </fieldset>
      {res.ok && <StatusNote>{res.ok}</StatusNote>}
      <ErrorNote>{res.error}</ErrorNote>
    </section>
  );
}

function Mails({ user }) {
  const s = user.settings || {};
  const [res, show] = useResult();
  const flip = async (key, value) => {
    const r = await patchUser(user, { settings: { [key]: value } });
    if (r.ok) setUser(r.data);
    show(r, 'Saved.');
  };
  return (
    <section class="card" aria-labelledby="mails-title">
      <h2 id="mails-title">Email</h2>
      <label class="check">
        <input type="checkbox" id="settings-notifications" checked={!!s.notifications} onChange={(e) => flip('notifications', e.currentTarget.checked)} />
        A mail when a job finishes
      </label>
      <label class="check">
        <input type="checkbox" id="settings-daily-report" checked={!!s.daily_report} onChange={(e) => flip('daily_report', e.currentTarget.checked)} />
        A daily report
      </label>
      {res.ok && <StatusNote>{res.ok}</StatusNote>}
      <ErrorNote>{res.error}</ErrorNote>
    </section>
  );
}

function Password({ user }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [keep, setKeep] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setError('');
    if (next.length < 8) return setError('The new password needs at least 8 characters.');
    if (next !== again) return setError('The two new passwords differ.');
    setBusy(true);
    const body = { current_password: current, new_password: next };
    if (user.settings?.has_api_key && keep) body.keep_api_key = true;
    // A change ends every session at once, and the server closes the live socket (4401) maybe
    // before this answer arrives: closed first, that close does not end the session on its own
    // and lose the message below.
    stopLive();
    const r = await patchUser(user, body);
    setBusy(false);
    if (!r.ok) {
      startLive();
      return setError(r.error);
    }
    // The change ended every session, this one too.
    endSession();
    flash('Password changed. Log in with the new password.', { email: user.email });
    navigate('/login');
    return undefined;
  };
  return (
    <section class="card" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form onSubmit={submit}>
        <input type="text" autocomplete="username" value={user.email} hidden readOnly />
        <div class="field">
          <label for="settings-current-password">Current password</label>
          <input id="settings-current-password" type="password" autocomplete="current-password" required value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="settings-new-password">New password</label>
          <input id="settings-new-password" type="password" autocomplete="new-password" required minLength={8} maxLength={128}
            value={next} onInput={(e) => setNext(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="settings-new-password-again">New password, again</label>
          <input id="settings-new-password-again" type="password" autocomplete="new-password" required value={again}
            onInput={(e) => setAgain(e.currentTarget.value)} />
        </div>
        {user.settings?.has_api_key && (
          <label class="check">
            <input type="checkbox" id="settings-keep-key" checked={keep} onChange={(e) => setKeep(e.currentTarget.checked)} />
            Keep the API key (cameras keep working)
          </label>
        )}
        <p class="hint">Changing it logs you out everywhere, here too.</p>
        <button type="submit" class="primary" disabled={busy}>Change password</button>
        <ErrorNote>{error}</ErrorNote>
      </form>
    </section>
  );
}

function ApiKey({ user }) {
  const has = !!user.settings?.has_api_key;
  const [key, setKey] = useState('');
  const [asking, setAsking] = useState(false);
  const [copied, setCopied] = useState('');
  const [res, show] = useResult();

  const reload = async () => {
    const r = await api(`/api/v1/users/${user.id}`);
    if (r.ok) setUser(r.data);
  };
  const create = async () => {
    setCopied('');
    const r = await api(`/api/v1/users/${user.id}/api-key`, { method: 'POST' });
    if (r.ok) setKey(r.data.api_key);
    show(r, has ? 'A new key replaces the old one.' : 'Key created.');
    reload();
  };
  const revoke = async () => {
    setAsking(false);
    const r = await api(`/api/v1/users/${user.id}/api-key`, { method: 'DELETE' });
    if (r.ok) setKey('');
    show(r, 'Key revoked.');
    reload();
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(key);
      setCopied('Copied to the clipboard.');
    } catch {
      const el = document.getElementById('settings-api-key');
      el.select();
      setCopied('Selected: press Ctrl+C (⌘C) to copy.');
    }
  };

  return (
    <section class="card" aria-labelledby="apikey-title">
      <h2 id="apikey-title">API key for cameras</h2>
      <p class="muted">
        For NVRs and cameras (DeepStack routes, <code>X-API-Key</code>). {has ? 'You have a key.' : 'You have no key.'}
      </p>
      {key && (
        <div class="key-box">
          <label for="settings-api-key">Your new API key (shown once: store it now)</label>
          <div class="inline">
            <input id="settings-api-key" readOnly value={key} class="mono" onFocus={(e) => e.currentTarget.select()} />
            <button type="button" onClick={copy}>Copy</button>
          </div>
          {copied && <p class="hint" role="status">{copied}</p>}
        </div>
      )}
      <div class="actions">
        <button type="button" class="primary" onClick={create}>{has ? 'Rotate API key' : 'Create API key'}</button>
        {has && <button type="button" class="danger-outline" onClick={() => setAsking(true)}>Revoke API key</button>}
      </div>
      {res.ok && <StatusNote>{res.ok}</StatusNote>}
      <ErrorNote>{res.error}</ErrorNote>
      <ConfirmDialog open={asking} title="Revoke the API key?" confirmLabel="Revoke key" onConfirm={revoke} onCancel={() => setAsking(false)}>
        <p>Cameras using it stop getting answers until they get a new key.</p>
      </ConfirmDialog>
    </section>
  );
}
