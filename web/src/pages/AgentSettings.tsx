import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { useI18n } from '../i18n.ts';

interface Settings {
  systemPrompt: string;
  faq: Array<{ question: string; answer: string }>;
  language: 'auto' | 'de' | 'en';
  enabledTools: string[];
  [other: string]: unknown;
}

export function AgentSettingsPage() {
  const { t } = useI18n();
  const [settings, setSettings] = useState<Settings>();
  const [faq, setFaq] = useState('');
  const [tools, setTools] = useState('');
  const [result, setResult] = useState('');
  useEffect(() => {
    void api<Settings>('GET', '/admin/agent').then((loaded) => {
      setSettings(loaded);
      setFaq(loaded.faq.map((entry) => `${entry.question}: ${entry.answer}`).join('\n'));
      setTools(loaded.enabledTools.join(', '));
    });
  }, []);
  if (!settings) return <h1>{t.agentSettings}</h1>;

  async function save(event: FormEvent) {
    event.preventDefault();
    const entries = faq
      .split('\n')
      .map((line) => line.split(/:(.*)/s))
      .filter((parts) => parts[0]?.trim() && parts[1]?.trim())
      .map((parts) => ({ question: parts[0]!.trim(), answer: parts[1]!.trim() }));
    const enabledTools = tools
      .split(',')
      .map((tool) => tool.trim())
      .filter(Boolean);
    try {
      setSettings(await api<Settings>('PUT', '/admin/agent', { ...settings, faq: entries, enabledTools }));
      setResult(t.saved);
    } catch (caught) {
      setResult(caught instanceof ApiError ? caught.message : String(caught));
    }
  }

  return (
    <>
      <h1>{t.agentSettings}</h1>
      <form className="stack card" onSubmit={(event) => void save(event)}>
        <label>
          {t.systemPrompt}
          <textarea
            rows={6}
            value={settings.systemPrompt}
            onChange={(event) => setSettings({ ...settings, systemPrompt: event.target.value })}
          />
        </label>
        <label>
          {t.faq}
          <textarea rows={6} value={faq} onChange={(event) => setFaq(event.target.value)} />
        </label>
        <label>
          {t.language}
          <select
            value={settings.language}
            onChange={(event) =>
              setSettings({ ...settings, language: event.target.value as Settings['language'] })
            }
          >
            <option value="auto">auto</option>
            <option value="de">Deutsch</option>
            <option value="en">English</option>
          </select>
        </label>
        <label>
          {t.tools}
          <input value={tools} onChange={(event) => setTools(event.target.value)} />
        </label>
        <button type="submit">{t.save}</button>
        {result && <p role="status">{result}</p>}
      </form>
    </>
  );
}
