import { type FormEvent, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { useI18n } from '../i18n.ts';

/** Login (workspace, email, password); with `?invite=` in the URL, choosing the password first. */
export function LoginPage({ onLoggedIn }: { onLoggedIn(): Promise<void> }) {
  const { t } = useI18n();
  const params = new URLSearchParams(window.location.search);
  const [invite, setInvite] = useState(params.get('invite'));
  const [tenant, setTenant] = useState(params.get('tenant') ?? '');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError('');
    try {
      if (invite) {
        const accepted = await api<{ email: string; tenant: string }>('POST', '/auth/set-password', {
          token: invite,
          password,
        });
        setInvite(null);
        setEmail(accepted.email);
        setTenant(accepted.tenant);
        setPassword('');
        setNotice(t.passwordSaved);
        window.history.replaceState(null, '', `/?tenant=${encodeURIComponent(accepted.tenant)}`);
        return;
      }
      await api('POST', '/auth/login', { tenant, email, password });
      await onLoggedIn();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    }
  }

  return (
    <main>
      <form className="card login" onSubmit={(event) => void submit(event)}>
        <h1>{invite ? t.setPassword : `Switchboard — ${t.logIn}`}</h1>
        {notice && <p role="status">{notice}</p>}
        {!invite && (
          <>
            <label>
              {t.workspace}
              <input
                name="workspace"
                value={tenant}
                onChange={(event) => setTenant(event.target.value)}
                required
              />
            </label>
            <label>
              {t.email}
              <input
                name="email"
                type="email"
                autoComplete="username"
                value={email}
                onChange={(event) => setEmail(event.target.value)}
                required
              />
            </label>
          </>
        )}
        <label>
          {t.password}
          <input
            name="password"
            type="password"
            autoComplete={invite ? 'new-password' : 'current-password'}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit">{invite ? t.savePassword : t.logIn}</button>
      </form>
    </main>
  );
}
