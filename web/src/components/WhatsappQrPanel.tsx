import { useEffect, useState } from 'react';
import { ApiError, api } from '../api.ts';

interface Status {
  state: string;
  phone: string | null;
  connectedSince: string | null;
  lastEventAt: string | null;
}

const BASE = '/admin/channels/whatsapp_qr';

const texts = {
  en: {
    title: 'WhatsApp by QR code',
    connect: 'Show QR code & connect',
    scan: 'On the phone: WhatsApp → Linked devices → Link a device, then scan this code.',
    linked: (phone: string, since: string) => `Linked to ${phone} since ${since}.`,
    lastEvent: 'Last event',
    logout: 'Log out',
    state: 'State',
    phone: 'Phone number (international)',
    code: 'Get pairing code',
  },
  de: {
    title: 'WhatsApp per QR-Code',
    connect: 'QR-Code anzeigen & verbinden',
    scan: 'Auf dem Smartphone: WhatsApp → Verknüpfte Geräte → Gerät hinzufügen, dann diesen Code scannen.',
    linked: (phone: string, since: string) => `Verknüpft mit ${phone} seit ${since}.`,
    lastEvent: 'Letztes Ereignis',
    logout: 'Abmelden',
    state: 'Status',
    phone: 'Telefonnummer (international)',
    code: 'Kopplungscode anfordern',
  },
};

/**
 * The live WhatsApp (QR) link: starts pairing, shows each QR code as the pairing stream sends
 * it, pairs by phone number instead, shows the linked number, and logs out.
 */
export function WhatsappQrPanel() {
  const t = document.documentElement.lang.startsWith('de') ? texts.de : texts.en;
  const [status, setStatus] = useState<Status | undefined>();
  const [state, setState] = useState<string>('');
  const [qr, setQr] = useState<string | undefined>();
  const [phone, setPhone] = useState('');
  const [message, setMessage] = useState<string | undefined>();

  useEffect(() => {
    void api<Status>('GET', BASE).then(setStatus, () => undefined);
    const stream = new EventSource(`${BASE}/pairing`);
    stream.addEventListener('state', (event) => {
      const next = JSON.parse((event as MessageEvent).data).state as string;
      setState(next);
      if (next !== 'pairing') setQr(undefined);
      if (next === 'connected' || next === 'logged_out')
        void api<Status>('GET', BASE).then(setStatus, () => undefined);
    });
    stream.addEventListener('qr', (event) =>
      setQr(JSON.parse((event as MessageEvent).data).dataUrl as string),
    );
    return () => stream.close();
  }, []);

  const act = async (run: () => Promise<unknown>) => {
    setMessage(undefined);
    try {
      await run();
    } catch (error) {
      setMessage(error instanceof ApiError ? error.message : String(error));
    }
  };
  const shown = state || status?.state || 'disconnected';

  return (
    <section className="card" aria-labelledby="whatsapp-qr-heading" data-testid="whatsapp-qr-panel">
      <h2 id="whatsapp-qr-heading">{t.title}</h2>
      <p>
        {t.state}: <strong data-testid="whatsapp-qr-state">{shown}</strong>
      </p>
      {shown === 'connected' && status?.phone && (
        <p data-testid="whatsapp-qr-linked">
          {t.linked(status.phone, new Date(status.connectedSince ?? Date.now()).toLocaleString())}
          {status.lastEventAt && ` ${t.lastEvent}: ${new Date(status.lastEventAt).toLocaleString()}`}
        </p>
      )}
      {qr && (
        <figure>
          <img src={qr} alt={t.scan} data-testid="whatsapp-qr-code" width={264} height={264} />
          <figcaption>{t.scan}</figcaption>
        </figure>
      )}
      <div className="actions">
        {shown !== 'connected' && (
          <button type="button" onClick={() => void act(() => api('POST', `${BASE}/connect`))}>
            {t.connect}
          </button>
        )}
        {shown === 'connected' && (
          <button
            type="button"
            className="secondary"
            onClick={() => void act(() => api('POST', `${BASE}/logout`))}
          >
            {t.logout}
          </button>
        )}
      </div>
      {shown === 'pairing' && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void act(async () => {
              const answer = await api<{ code: string }>('POST', `${BASE}/pairing-code`, { phone });
              setMessage(answer.code);
            });
          }}
        >
          <label>
            {t.phone}
            <input value={phone} onChange={(event) => setPhone(event.target.value)} inputMode="tel" />
          </label>
          <button type="submit">{t.code}</button>
        </form>
      )}
      {message && <p role="status">{message}</p>}
    </section>
  );
}
