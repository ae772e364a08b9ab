import { useState } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { useLiveRefresh } from './Inbox.tsx';
import { UnavailableNotice, useOptionalList } from './Unavailable.tsx';

interface PendingAction {
  id: string;
  tool?: string;
  conversationId?: string;
  createdAt?: string;
  [other: string]: unknown;
}

/** The agent's actions that wait for a person's approval (the approval routes of the tool registry). */
export function PendingActionsPage() {
  const { t } = useI18n();
  const [version, setVersion] = useState(0);
  const items = useOptionalList<PendingAction>('/admin/actions?status=pending', version);
  useLiveRefresh(() => setVersion((value) => value + 1));
  const decide = (id: string, decision: 'approve' | 'reject') =>
    void api('POST', `/admin/actions/${id}/${decision}`).then(() => setVersion((value) => value + 1));
  return (
    <>
      <h1>{t.pendingActions}</h1>
      {items === 'unavailable' && <UnavailableNotice />}
      {Array.isArray(items) && items.length === 0 && <p className="muted">{t.nothingPending}</p>}
      {Array.isArray(items) && (
        <ul className="conversations">
          {items.map((item) => (
            <li key={item.id} className="card" data-action={item.id}>
              <strong>{item.tool ?? item.id}</strong>{' '}
              {item.conversationId && (
                <a href={`#/inbox/${item.conversationId}`}>
                  {t.conversation} {item.createdAt ? new Date(item.createdAt).toLocaleString() : ''}
                </a>
              )}
              {/* What the agent wants to do: staff decide on the arguments, so they are shown whole. */}
              <div className="meta">
                {t.arguments}: <code>{JSON.stringify(item.input ?? {})}</code>
              </div>
              <div className="actions">
                <button type="button" onClick={() => decide(item.id, 'approve')}>
                  {t.approve}
                </button>
                <button type="button" className="secondary" onClick={() => decide(item.id, 'reject')}>
                  {t.reject}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
