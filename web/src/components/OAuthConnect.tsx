import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';

interface GrantStatus {
  status: string;
  services: string[];
  connectedAt: string | null;
}

/**
 * Connect and disconnect for the OAuth connectors (`google`, `microsoft`): the grant's status,
 * a connect button that sends the browser to the provider (the server records the start), and
 * disconnect. The click is reported as `integration_connect_clicked` before leaving the page.
 */
export function OAuthConnect({ provider, onChanged }: { provider: string; onChanged(): Promise<void> }) {
  const [grant, setGrant] = useState<GrantStatus | undefined>();
  const [busy, setBusy] = useState(false);
  const load = useCallback(async () => {
    setGrant(await api<GrantStatus>('GET', `/admin/integrations/${provider}/status`));
  }, [provider]);
  useEffect(() => {
    void load();
  }, [load]);
  const result = new URLSearchParams(window.location.search).get('oauth');

  async function connect() {
    setBusy(true);
    await api('POST', '/admin/analytics/workspace-events', {
      event: 'integration_connect_clicked',
      connectorId: provider,
    }).catch(() => undefined);
    window.location.assign(`/admin/integrations/${provider}/connect`);
  }

  async function disconnect() {
    setBusy(true);
    try {
      await api('POST', `/admin/integrations/${provider}/disconnect`);
      await load();
      await onChanged();
    } finally {
      setBusy(false);
    }
  }

  const connected = grant?.status === 'connected';
  return (
    <section className="card stack" aria-label="OAuth connection">
      <p>
        Connection: <span data-testid="oauth-status">{grant?.status ?? '…'}</span>
        {grant?.services.length ? ` (${grant.services.join(', ')})` : ''}
        {result === 'failed' ? ' — the last attempt failed' : ''}
      </p>
      <div>
        <button type="button" disabled={busy} onClick={connect}>
          {connected || grant?.status === 'error' ? 'Connect again' : 'Connect'}
        </button>{' '}
        {connected && (
          <button type="button" disabled={busy} onClick={disconnect}>
            Disconnect
          </button>
        )}
      </div>
    </section>
  );
}
