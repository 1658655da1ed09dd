import { request } from 'node:http';
import { sendRaw } from '../../../services/shared/src/testing/raw-http.js';
import type { ObservedResponse } from '../contract-checker.js';
import type { FuzzRequest } from './request-arbitrary.js';

/** Sends a fuzzed request (through node:http, which sends any method token and header, or byte for byte) and reads the answer. */
export async function send(baseUrl: string, fuzz: FuzzRequest, timeoutMs = 10_000): Promise<ObservedResponse> {
  if (fuzz.raw !== undefined) {
    const answer = await sendRaw(baseUrl, fuzz.raw, timeoutMs);
    return { status: answer.status, contentType: answer.headers['content-type'] ?? '', text: answer.text };
  }
  const { hostname, port } = new URL(baseUrl);
  // Node's client frames a GET's or HEAD's body by nothing at all (no Content-Length): the server would read it as
  // the next request. Say how long it is, as a client that means to send a body does.
  const headers = fuzz.body === undefined ? fuzz.headers : { ...fuzz.headers, 'content-length': String(Buffer.byteLength(fuzz.body)) };
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: hostname, port: Number(port), method: fuzz.method, path: fuzz.target, headers, agent: false, timeout: timeoutMs },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] ?? '', text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(fuzz.body);
  });
}
