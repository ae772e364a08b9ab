import type OpenAI from 'openai';
import type {
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { lazyModule } from '../core/lazy-module.ts';
import { shapeReply } from './channel-style.ts';
import { buildChatContext } from './context.ts';
import { modelUnavailableReply, replyLanguage } from './offline-agent.ts';
import { buildSystemPrompt } from './prompt.ts';
import { defaultAgentSettings } from './settings.ts';
import type { TokenCount } from './token-usage.ts';
import type { CallPosition, TurnTools } from './tool-registry.ts';
import type { Agent, AgentInput, AgentReply } from './types.ts';

/** Where the model is and which one: a tenant's `llm` connector or the process default. */
export interface ModelConnection {
  apiKey: string;
  /** An OpenAI-compatible base URL (Azure, Ollama, vLLM, LM Studio…); OpenAI's when undefined. */
  baseUrl: string | undefined;
  model: string;
}

export interface LlmAgentLogger {
  warn(details: object, message: string): void;
}

export interface LlmAgentOptions {
  connection: ModelConnection;
  /** Time for one model request; the SDK's default of ten minutes is far too long for a chat turn. */
  timeoutMs?: number;
  /** Retries of one request after a 408/409/429/5xx or a timeout, honouring `retry-after`. */
  maxRetries?: number;
  /** Tokens the transcript may take in the request. */
  contextTokens?: number;
  logger: LlmAgentLogger;
  /** Called once when the model could not answer: hands the conversation to staff. */
  onFailure(input: AgentInput): Promise<void>;
  /** For tests and self-signed servers; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Called after every completion with the tokens the server reported for it. */
  onUsage?(usage: TokenCount): void;
}

/** The model failed in a way the SDK does not throw for: an empty answer. */
class EmptyAnswer extends Error {
  override readonly name = 'EmptyAnswer';
}

/** The turn's wall-clock budget ran out. */
class TurnTimedOut extends Error {
  override readonly name = 'TurnTimedOut';
}

function toChatTools(tools: TurnTools | undefined): ChatCompletionTool[] {
  return (tools?.available ?? []).map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}

/** Runs one requested call: its arguments are a JSON string the model may have got wrong. */
async function runCall(
  tools: TurnTools | undefined,
  call: ChatCompletionMessageFunctionToolCall,
  at: CallPosition,
): Promise<string> {
  if (!tools) return 'error: no tools are available';
  let input: unknown;
  try {
    input = JSON.parse(call.function.arguments || '{}');
  } catch {
    // Recorded like any invalid arguments (a string never fits an object schema), then explained.
    await tools.run(call.function.name, call.function.arguments, at);
    return 'error: the arguments were not valid JSON; send a JSON object';
  }
  return (await tools.run(call.function.name, input, at)).content;
}

/** OpenAI's SDK, imported when a tenant's model is first asked, not at start-up (about 90 ms). */
export const loadOpenAi = lazyModule(() => import('openai'));

/** Whether the SDK threw this; its errors exist only once the SDK was loaded. */
function isApiError(error: unknown): error is InstanceType<typeof OpenAI.APIError> {
  const sdk = loadOpenAi.loaded();
  return sdk !== undefined && error instanceof sdk.default.APIError;
}

/**
 * The agent on an OpenAI-compatible Chat Completions endpoint with tools. The model may
 * call tools for up to `maxToolRounds` rounds; then it must answer in text. Every request
 * has its own timeout, a bounded number of retries and `max_tokens`; the whole turn has a
 * wall-clock budget (`turnTimeoutSeconds`). When the model cannot answer (errors, timeouts,
 * an empty answer, the turn's time spent) the customer gets one short honest reply in their
 * language and the conversation goes to staff; the failure is logged without content.
 */
export function createLlmAgent(options: LlmAgentOptions): Agent {
  const { connection, logger, onFailure } = options;
  const loadClient = lazyModule(async () => {
    const { default: OpenAI } = await loadOpenAi();
    return new OpenAI({
      apiKey: connection.apiKey,
      baseURL: connection.baseUrl,
      timeout: options.timeoutMs ?? 20_000,
      maxRetries: options.maxRetries ?? 2,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  });
  const contextTokens = options.contextTokens ?? 6_000;

  async function converse(input: AgentInput): Promise<string> {
    const settings = input.settings ?? defaultAgentSettings;
    const system = buildSystemPrompt({
      businessName: input.tenant.name,
      channel: input.channel,
      settings,
      language: replyLanguage(input),
    });
    const messages: ChatCompletionMessageParam[] = buildChatContext(system, input.transcript, contextTokens);
    const tools = toChatTools(input.tools);
    const timeout = AbortSignal.timeout(settings.turnTimeoutSeconds * 1_000);
    const deadline = input.signal ? AbortSignal.any([timeout, input.signal]) : timeout;
    const model = settings.model ?? connection.model;
    for (let round = 0; ; round += 1) {
      const lastRound = round >= settings.maxToolRounds;
      const body = {
        model,
        temperature: settings.temperature,
        max_tokens: settings.maxTokens,
        messages,
        ...(tools.length > 0
          ? { tools, tool_choice: lastRound ? ('none' as const) : ('auto' as const) }
          : {}),
      };
      const client = await loadClient();
      const onText = input.onText;
      // A listener gets the words as they stream in; the SDK's helper assembles the same completion.
      const completion = onText
        ? await client.chat.completions
            .stream({ ...body, stream_options: { include_usage: true } }, { signal: deadline })
            .on('content', (delta) => onText(delta))
            .finalChatCompletion()
        : await client.chat.completions.create(body, { signal: deadline });
      if (completion.usage) {
        options.onUsage?.({
          model,
          promptTokens: completion.usage.prompt_tokens,
          completionTokens: completion.usage.completion_tokens,
        });
      }
      const message = completion.choices[0]?.message;
      const calls = (message?.tool_calls ?? []).filter(
        (call): call is ChatCompletionMessageFunctionToolCall => call.type === 'function',
      );
      if (calls.length === 0 || lastRound) {
        const text = message?.content?.trim();
        if (!text) throw new EmptyAnswer(calls.length > 0 ? 'tool calls past the round limit' : 'no content');
        return text;
      }
      messages.push({ role: 'assistant', content: message?.content ?? null, tool_calls: calls });
      for (const [index, call] of calls.entries()) {
        if (deadline.aborted) throw new TurnTimedOut('the turn ran out of time between tool calls');
        const content = await runCall(input.tools, call, { round, index });
        messages.push({ role: 'tool', tool_call_id: call.id, content });
      }
    }
  }

  return {
    async reply(input): Promise<AgentReply> {
      try {
        const text = await converse(input);
        return { text: shapeReply(text, input.channel), toolCalls: [...(input.tools?.calls ?? [])] };
      } catch (error) {
        // The caller interrupted: what was said stands, and nothing failed.
        if (input.signal?.aborted) return { text: '', toolCalls: [...(input.tools?.calls ?? [])] };
        logger.warn(
          {
            tenantId: input.tenant.id,
            conversationId: input.conversationId,
            // The SDK's error classes all keep the name "Error"; their class says what happened.
            error: error instanceof Error ? error.constructor.name : typeof error,
            status: isApiError(error) ? (error.status ?? null) : null,
          },
          'the model could not answer; handing the conversation to staff',
        );
        await onFailure(input).catch((handoverError: unknown) =>
          logger.warn({ error: (handoverError as Error).name }, 'handing the conversation to staff failed'),
        );
        return {
          text: modelUnavailableReply(replyLanguage(input)),
          toolCalls: [...(input.tools?.calls ?? [])],
        };
      }
    },
  };
}
