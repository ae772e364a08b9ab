import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.ts';

type Row = Record<string, string | number | null>;

/** A table with a bar for one numeric column, scaled to its largest value. */
function Chart({
  title,
  rows,
  columns,
  bar,
}: {
  title: string;
  rows: Row[];
  columns: string[];
  bar: string;
}) {
  const largest = Math.max(1, ...rows.map((row) => Number(row[bar] ?? 0)));
  const id = title.replace(/\W+/g, '-').toLowerCase();
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <table data-chart={id}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            <th scope="col">
              <span className="meta">{bar}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={columns.map((column) => row[column]).join('|')}>
              {columns.map((column) => (
                <td key={column}>{row[column] ?? '—'}</td>
              ))}
              <td style={{ width: '30%' }}>
                <div className="bar" style={{ width: `${(Number(row[bar] ?? 0) / largest) * 100}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function AnalyticsPage() {
  const { t } = useI18n();
  const [data, setData] = useState<Record<string, Row[]>>();
  useEffect(() => {
    const get = (path: string, key: 'steps' | 'items') =>
      api<Record<string, Row[]>>('GET', `/admin/analytics/${path}`).then((answer) => answer[key] ?? []);
    void Promise.all([
      get('integration-funnel', 'steps'),
      get('connection-rate', 'items'),
      get('oauth-failures', 'items'),
      get('tools-in-chat', 'items'),
      get('messages', 'items'),
    ]).then(([funnel, rate, failures, tools, messages]) =>
      setData({ funnel: funnel!, rate: rate!, failures: failures!, tools: tools!, messages: messages! }),
    );
  }, []);
  if (!data) return <h1>{t.analytics}</h1>;
  return (
    <div style={{ display: 'grid', gap: '1rem' }}>
      <h1>{t.analytics}</h1>
      <Chart
        title={t.funnel}
        rows={data.funnel!}
        columns={['event', 'count', 'conversionRate']}
        bar="count"
      />
      <Chart
        title={t.connectionRate}
        rows={data.rate!}
        columns={['provider', 'attempts', 'connected', 'conversionRate']}
        bar="attempts"
      />
      <Chart
        title={t.oauthFailures}
        rows={data.failures!}
        columns={['provider', 'errorType', 'failures']}
        bar="failures"
      />
      <Chart
        title={t.toolsInChat}
        rows={data.tools!}
        columns={['service', 'actionType', 'usageCount', 'uniqueChats', 'successRate']}
        bar="usageCount"
      />
      <Chart
        title={t.messagesPerDay}
        rows={data.messages!}
        columns={['day', 'channel', 'inbound', 'outbound', 'failed']}
        bar="inbound"
      />
    </div>
  );
}
