import { createHash } from 'node:crypto';
import type { ChatCompletion, ChatCompletionRequest } from '../../../contracts/openai-stand-in.js';

const words = (text: string): string[] => text.match(/[\p{L}\p{N}']+/gu) ?? [];

/** The summary the stand-in gives of a text: its first 12 words and its length. Same text, same summary. */
export function summarise(text: string): string {
  const all = words(text);
  const head = all.slice(0, 12).join(' ');
  return `Summary (${all.length} words): ${head}${all.length > 12 ? ' …' : ''}`;
}

/**
 * The deterministic completion of a request: the assistant summarises the last user message. The id is derived
 * from the request, so a repeated request gets the same completion.
 */
export function complete(request: ChatCompletionRequest, now = new Date()): ChatCompletion {
  const lastUser = [...request.messages].reverse().find((message) => message.role === 'user')?.content ?? '';
  const content = summarise(lastUser);
  const promptTokens = request.messages.reduce((sum, message) => sum + words(message.content).length, 0);
  const completionTokens = words(content).length;
  const digest = createHash('sha256').update(JSON.stringify([request.model, request.messages])).digest('hex');
  return {
    id: `chatcmpl-${digest.slice(0, 24)}`,
    object: 'chat.completion',
    created: Math.floor(now.getTime() / 1000),
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}
