import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { OAuthConnect } from '../components/OAuthConnect.tsx';
import { WhatsappQrPanel } from '../components/WhatsappQrPanel.tsx';
import { useI18n } from '../i18n.ts';

interface Field {
  key: string;
  label: string;
  required: boolean;
  secret: boolean;
  description?: string;
}

interface CatalogEntry {
  id: string;
  name: string;
  category: string;
  fields: Field[];
  status: string;
}

interface MaskedConfig {
  status: string;
  statusDetail: string | null;
  values: Record<string, string>;
  details: Record<string, string>;
}

/** Reports a view or a connect click to the analytics (the server adds what it knows); never blocks the page. */
function track(event: 'integration_viewed' | 'integration_connect_clicked', connectorId: string) {
  return api('POST', '/admin/analytics/workspace-events', { event, connectorId }).catch(() => undefined);
}

/** Cards by category; a connector's page has its form, its test and reset, and its setup docs beside. */
export function IntegrationsPage({ selectedId }: { selectedId: string | undefined }) {
  const { t } = useI18n();
  const [catalog, setCatalog] = useState<CatalogEntry[]>([]);
  const load = useCallback(async () => {
    setCatalog((await api<{ items: CatalogEntry[] }>('GET', '/admin/connector-hub/catalog')).items);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const selected = catalog.find((entry) => entry.id === selectedId);
  if (selected) return <ConnectorDetail entry={selected} onChanged={load} />;
  const categories = [...new Set(catalog.map((entry) => entry.category))];
  return (
    <>
      <h1>{t.integrations}</h1>
      {categories.map((category) => (
        <section key={category} aria-labelledby={`category-${category}`}>
          <h2 id={`category-${category}`}>{category}</h2>
          <div className="grid">
            {catalog
              .filter((entry) => entry.category === category)
              .map((entry) => (
                <a
                  key={entry.id}
                  className="card"
                  href={`#/integrations/${entry.id}`}
                  data-connector={entry.id}
                >
                  <strong>{entry.name}</strong>
                  <div className="meta">
                    {t.status}: {entry.status}
                  </div>
                </a>
              ))}
          </div>
        </section>
      ))}
    </>
  );
}

/**
 * One connector: its form, "Test connection" and "Reset", its setup docs beside. Panels of
 * other parts mount with one line each under the form, at the `entry.id === 'whatsapp'`
 * spot: the WhatsApp QR pairing (`components/WhatsappQrPanel.tsx`) and the OAuth connect
 * buttons for `google` and `microsoft` (`components/OAuthConnect.tsx`).
 */
function ConnectorDetail({ entry, onChanged }: { entry: CatalogEntry; onChanged(): Promise<void> }) {
  const { t, language } = useI18n();
  const [config, setConfig] = useState<MaskedConfig>();
  const [typed, setTyped] = useState<Record<string, string>>({});
  const [docs, setDocs] = useState('');
  const [result, setResult] = useState('');

  const load = useCallback(async () => {
    // What was typed is left alone: staff may start typing before the stored values arrive.
    setConfig(await api<MaskedConfig>('GET', `/admin/connector-hub/${entry.id}/config`));
  }, [entry.id]);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    void track('integration_viewed', entry.id);
  }, [entry.id]);
  useEffect(() => {
    void api<{ markdown: string }>(
      'GET',
      `/admin/connector-hub/${entry.id}/setup-docs?lang=${language}`,
    ).then(
      (answer) => setDocs(answer.markdown),
      () => setDocs(''),
    );
  }, [entry.id, language]);

  async function run(work: () => Promise<string>) {
    try {
      setResult(await work());
      await load();
      await onChanged();
    } catch (caught) {
      setResult(caught instanceof ApiError ? caught.message : String(caught));
    }
  }

  function save(event: FormEvent) {
    event.preventDefault();
    // Only what was typed is sent: a secret left empty keeps its stored value on the server.
    const changed = Object.fromEntries(Object.entries(typed).filter(([, value]) => value !== ''));
    void run(async () => {
      await track('integration_connect_clicked', entry.id);
      await api('PUT', `/admin/connector-hub/${entry.id}/config`, changed);
      setTyped({});
      return t.saved;
    });
  }

  return (
    <div className="integration">
      <div>
        <h1>{entry.name}</h1>
        <p>
          {t.status}: <span data-testid="connector-status">{config?.status ?? '…'}</span>
          {config?.statusDetail ? ` — ${config.statusDetail}` : ''}
        </p>
        {['google', 'microsoft'].includes(entry.id) && (
          <OAuthConnect provider={entry.id} onChanged={onChanged} />
        )}
        <form className="stack card" onSubmit={save}>
          {entry.fields.map((field) => {
            const stored = config?.values[field.key];
            return (
              <label key={field.key}>
                {field.label}
                {field.required ? ' *' : ''}
                <input
                  name={field.key}
                  type={field.secret ? 'password' : 'text'}
                  autoComplete="off"
                  value={typed[field.key] ?? (field.secret ? '' : (stored ?? ''))}
                  placeholder={field.secret && stored ? `${stored} (${t.leaveUnchanged})` : ''}
                  onChange={(event) => setTyped({ ...typed, [field.key]: event.target.value })}
                />
                {field.description && <span className="meta">{field.description}</span>}
              </label>
            );
          })}
          <div className="actions">
            <button type="submit">{t.save}</button>
            <button
              type="button"
              className="secondary"
              onClick={() =>
                void run(async () => {
                  const check = await api<{ ok: boolean; detail: string }>(
                    'POST',
                    `/admin/connector-hub/${entry.id}/test`,
                  );
                  return `${check.ok ? '✓' : '✗'} ${check.detail}`;
                })
              }
            >
              {t.testConnection}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() =>
                void run(async () => {
                  await api('DELETE', `/admin/connector-hub/${entry.id}/config`);
                  setTyped({});
                  return t.reset;
                })
              }
            >
              {t.reset}
            </button>
          </div>
          {result && (
            <p role="status" data-testid="connector-result">
              {result}
            </p>
          )}
        </form>
        {entry.id === 'whatsapp' && <WhatsappQrPanel />}
      </div>
      <aside className="card" aria-labelledby="docs-heading">
        <h2 id="docs-heading">{t.setupDocs}</h2>
        <div className="docs">{docs}</div>
      </aside>
    </div>
  );
}
