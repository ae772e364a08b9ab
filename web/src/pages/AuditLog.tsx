import { useI18n } from '../i18n.ts';
import { UnavailableNotice, useOptionalList } from './Unavailable.tsx';

interface AuditEntry {
  id: string;
  actor: string;
  action: string;
  target: string;
  createdAt: string;
}

export function AuditLogPage() {
  const { t } = useI18n();
  const items = useOptionalList<AuditEntry>('/admin/audit-log');
  return (
    <>
      <h1>{t.auditLog}</h1>
      {items === 'unavailable' && <UnavailableNotice />}
      {Array.isArray(items) && (
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {items.map((entry) => (
              <tr key={entry.id}>
                <td>{new Date(entry.createdAt).toLocaleString()}</td>
                <td>{entry.actor}</td>
                <td>{entry.action}</td>
                <td>{entry.target}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
