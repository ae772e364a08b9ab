import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, api, type Me, setCsrfToken } from './api.ts';
import { dictionaries, I18n, initialLanguage, type Language } from './i18n.ts';
import { AgentSettingsPage } from './pages/AgentSettings.tsx';
import { AnalyticsPage } from './pages/Analytics.tsx';
import { AuditLogPage } from './pages/AuditLog.tsx';
import { InboxPage } from './pages/Inbox.tsx';
import { IntegrationsPage } from './pages/Integrations.tsx';
import { LoginPage } from './pages/Login.tsx';
import { PendingActionsPage } from './pages/PendingActions.tsx';
import { UsersPage } from './pages/Users.tsx';

type Page = 'inbox' | 'integrations' | 'analytics' | 'agent' | 'actions' | 'users' | 'audit';

const adminPages: Page[] = ['integrations', 'analytics', 'agent', 'actions', 'users', 'audit'];

/** The page is the location hash (`#/inbox`), so reloads and links keep it without server routes. */
function pageFromHash(): { page: Page; id: string | undefined } {
  const [, page, id] = window.location.hash.split('/');
  const known: Page[] = ['inbox', ...adminPages];
  return { page: known.includes(page as Page) ? (page as Page) : 'inbox', id };
}

export function App() {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [route, setRoute] = useState(pageFromHash);
  const i18n = useMemo(() => ({ t: dictionaries[language], language, setLanguage }), [language]);

  const loadMe = useCallback(async () => {
    try {
      const current = await api<Me>('GET', '/auth/me');
      setCsrfToken(current.csrfToken);
      setMe(current);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setMe(null);
      else throw error;
    }
  }, []);

  useEffect(() => {
    void loadMe();
    const onHash = () => setRoute(pageFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [loadMe]);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  async function logOut() {
    await api('POST', '/auth/logout');
    setCsrfToken(undefined);
    setMe(null);
  }

  if (me === undefined) return null;
  const t = i18n.t;
  const isAdmin = me?.user.role === 'admin';
  const page = !isAdmin && adminPages.includes(route.page) ? 'inbox' : route.page;
  const links: Array<[Page, string]> = [
    ['inbox', t.inbox],
    ...(isAdmin
      ? ([
          ['integrations', t.integrations],
          ['analytics', t.analytics],
          ['agent', t.agentSettings],
          ['actions', t.pendingActions],
          ['users', t.users],
          ['audit', t.auditLog],
        ] as Array<[Page, string]>)
      : []),
  ];

  return (
    <I18n.Provider value={i18n}>
      {me === null ? (
        <LoginPage onLoggedIn={loadMe} />
      ) : (
        <div className="layout">
          <nav className="sidebar" aria-label="Switchboard">
            <strong>Switchboard</strong>
            {links.map(([target, label]) => (
              <a key={target} href={`#/${target}`} aria-current={page === target ? 'page' : undefined}>
                {label}
              </a>
            ))}
            <div className="who">
              <div>{me.user.name}</div>
              <div>{me.tenant.slug}</div>
              <label>
                <span>Sprache / Language</span>
                <select value={language} onChange={(event) => setLanguage(event.target.value as Language)}>
                  <option value="en">English</option>
                  <option value="de">Deutsch</option>
                </select>
              </label>
              <button type="button" className="secondary" onClick={() => void logOut()}>
                {t.logOut}
              </button>
            </div>
          </nav>
          <main>
            {page === 'inbox' && <InboxPage me={me} selectedId={route.id} />}
            {page === 'integrations' && <IntegrationsPage selectedId={route.id} />}
            {page === 'analytics' && <AnalyticsPage />}
            {page === 'agent' && <AgentSettingsPage />}
            {page === 'actions' && <PendingActionsPage />}
            {page === 'users' && <UsersPage me={me} />}
            {page === 'audit' && <AuditLogPage />}
          </main>
        </div>
      )}
    </I18n.Provider>
  );
}
