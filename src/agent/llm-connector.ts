import { classifyConnectionFailure, connectionFailureText } from '../core/connection-failure.ts';
import type { ConnectionCheck, ConnectorDefinition, ConnectorValues } from '../core/connector.ts';
import type { Integration } from '../integrations/types.ts';
import { loadOpenAi, type ModelConnection } from './llm-agent.ts';

const docsEnglish = `## Language model (OpenAI-compatible)

The agent answers with a language model on any server that speaks OpenAI's Chat Completions
API with tools: OpenAI itself, Azure OpenAI, or one you run (Ollama, vLLM, LM Studio).

1. **API key**: the key of your account; for a local server without keys, any text. It is
   stored encrypted and never shown again.
2. **Base URL** (optional): the API root of your server, e.g. \`http://localhost:11434/v1\` for
   Ollama. Empty means OpenAI.
3. **Model**: the model name, e.g. \`gpt-4o-mini\` or \`llama3.1\`. It must support tool calling.

**Test** lists the server's models with the key. Without this connector the agent uses the
gateway's default model (OPENAI_BASE_URL / OPENAI_API_KEY), or the offline agent.

A server on the gateway's own machine or network (\`localhost\`, \`10.x\`, \`192.168.x\`…) is
refused unless the operator allows its addresses in \`SWITCHBOARD_EGRESS_ALLOW\`, e.g.
\`127.0.0.1:11434,[::1]:11434\` for Ollama on the same machine.`;

const docsGerman = `## Sprachmodell (OpenAI-kompatibel)

Der Agent antwortet mit einem Sprachmodell auf jedem Server, der OpenAIs Chat-Completions-API
mit Tools spricht: OpenAI selbst, Azure OpenAI oder ein eigener (Ollama, vLLM, LM Studio).

1. **API-Schlüssel**: der Schlüssel deines Kontos; für einen lokalen Server ohne Schlüssel ein
   beliebiger Text. Er wird verschlüsselt gespeichert und nie wieder angezeigt.
2. **Basis-URL** (optional): die API-Wurzel deines Servers, z. B. \`http://localhost:11434/v1\`
   für Ollama. Leer heißt OpenAI.
3. **Modell**: der Modellname, z. B. \`gpt-4o-mini\` oder \`llama3.1\`. Es muss Tool-Calling können.

**Testen** listet mit dem Schlüssel die Modelle des Servers. Ohne diesen Connector nutzt der
Agent das Standardmodell des Gateways (OPENAI_BASE_URL / OPENAI_API_KEY) oder den Offline-Agenten.

Ein Server auf dem Rechner oder im Netz des Gateways (\`localhost\`, \`10.x\`, \`192.168.x\`…)
wird abgelehnt, solange der Betreiber seine Adressen nicht in \`SWITCHBOARD_EGRESS_ALLOW\`
freigibt, z. B. \`127.0.0.1:11434,[::1]:11434\` für Ollama auf demselben Rechner.`;

const definition: ConnectorDefinition = {
  id: 'llm',
  name: 'Language model (OpenAI-compatible)',
  category: 'ai',
  fields: [
    { key: 'api_key', label: 'API key', required: true, secret: true },
    { key: 'base_url', label: 'Base URL', required: false, secret: false, description: 'Empty for OpenAI' },
    { key: 'model', label: 'Model', required: true, secret: false },
  ],
  docs: { en: docsEnglish, de: docsGerman },
};

/** The model connection a stored `llm` configuration describes. */
export function connectionOf(values: ConnectorValues): ModelConnection | undefined {
  const apiKey = values.api_key?.trim();
  const model = values.model?.trim();
  if (!apiKey || !model) return undefined;
  return { apiKey, baseUrl: values.base_url?.trim() || undefined, model };
}

/**
 * A failed model listing as a classified reason: how the connection failed, or what kind of
 * answer came back. Never the status or text of the answer itself, so the test does not
 * tell what runs behind an address.
 */
function failure(
  OpenAI: typeof import('openai').default,
  error: unknown,
  signal: AbortSignal,
): ConnectionCheck {
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError)
    return { ok: false, detail: 'the server refused the API key' };
  if (error instanceof OpenAI.RateLimitError) return { ok: false, detail: 'the server limits requests' };
  if (error instanceof OpenAI.APIError && error.status) {
    return { ok: false, detail: 'the server did not answer as an OpenAI-compatible API: check the base URL' };
  }
  const connection =
    signal.aborted || error instanceof OpenAI.APIConnectionTimeoutError
      ? 'timed_out'
      : (classifyConnectionFailure(error) ?? 'connection_failed');
  return { ok: false, detail: `the server could not be reached: ${connectionFailureText[connection]}` };
}

/**
 * The `llm` connector: not a tool integration (it has no tools) but configured and tested in
 * the same hub. Its test lists the server's models through the egress guard, which needs a
 * valid key and no tokens.
 */
export const llmIntegration: Integration = {
  id: 'llm',
  connector: definition,
  tools: [],
  async test(values, signal, egress) {
    const connection = connectionOf(values);
    if (!connection) return { ok: false, detail: 'API key and model are required' };
    const { default: OpenAI } = await loadOpenAi();
    const client = new OpenAI({
      apiKey: connection.apiKey,
      baseURL: connection.baseUrl,
      maxRetries: 0,
      fetch: egress.fetch,
    });
    try {
      await client.models.list({ signal });
      return { ok: true, detail: `the server answered; model ${connection.model} is configured` };
    } catch (error) {
      return failure(OpenAI, error, signal);
    }
  },
};
