import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError, api, type Me, type StaffUser } from '../api.ts';
import { useI18n } from '../i18n.ts';

/** What became of the invite email (`POST /admin/users` answers it). */
type InviteEmail = { status: 'sent' } | { status: 'failed'; detail: string } | { status: 'not_configured' };

export function UsersPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const [users, setUsers] = useState<StaffUser[]>([]);
  const [form, setForm] = useState({ email: '', name: '', role: 'agent' });
  const [inviteUrl, setInviteUrl] = useState('');
  const [emailed, setEmailed] = useState('');
  const [error, setError] = useState('');
  const load = useCallback(async () => {
    setUsers((await api<{ items: StaffUser[] }>('GET', '/admin/users')).items);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  async function invite(event: FormEvent) {
    event.preventDefault();
    setError('');
    try {
      const created = await api<{ inviteUrl: string; inviteEmail: InviteEmail }>(
        'POST',
        '/admin/users',
        form,
      );
      setInviteUrl(created.inviteUrl);
      const sent = created.inviteEmail;
      setEmailed(
        sent.status === 'sent'
          ? t.inviteEmailed
          : sent.status === 'failed'
            ? `${t.inviteNotEmailed}: ${sent.detail}`
            : t.inviteNoSmtp,
      );
      setForm({ email: '', name: '', role: 'agent' });
      await load();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    }
  }

  return (
    <>
      <h1>{t.users}</h1>
      <table>
        <thead>
          <tr>
            <th scope="col">{t.name}</th>
            <th scope="col">{t.email}</th>
            <th scope="col">{t.role}</th>
            <th scope="col">{t.status}</th>
            <th scope="col">
              <span className="meta">{t.remove}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.id}>
              <td>{user.name}</td>
              <td>{user.email}</td>
              <td>{user.role}</td>
              <td>{user.status}</td>
              <td>
                {user.id !== me.user.id && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => void api('DELETE', `/admin/users/${user.id}`).then(load)}
                  >
                    {t.remove}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2 style={{ marginTop: '1rem' }}>{t.invite}</h2>
      <form className="stack card" onSubmit={(event) => void invite(event)}>
        <label>
          {t.email}
          <input
            type="email"
            value={form.email}
            onChange={(event) => setForm({ ...form, email: event.target.value })}
            required
          />
        </label>
        <label>
          {t.name}
          <input
            value={form.name}
            onChange={(event) => setForm({ ...form, name: event.target.value })}
            required
          />
        </label>
        <label>
          {t.role}
          <select value={form.role} onChange={(event) => setForm({ ...form, role: event.target.value })}>
            <option value="agent">agent</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit">{t.invite}</button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {inviteUrl && (
          <>
            <label>
              {t.inviteLink}
              <input readOnly value={inviteUrl} data-testid="invite-url" />
            </label>
            <p role="status" data-testid="invite-email">
              {emailed}
            </p>
          </>
        )}
      </form>
    </>
  );
}
