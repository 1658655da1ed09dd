import { request } from 'node:http';
import { InfoResponseSchema, type InfoResponse } from '../../contracts/api-gateway.js';

/** One GET /api/info of the gateway on a fresh connection (no keep-alive), so the Service picks a backend for each call. */
export function infoOnNewConnection(baseUrl: string, timeoutMs = 3_000): Promise<InfoResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/api/info`, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(InfoResponseSchema.parse(JSON.parse(body)));
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Which pods answered `samples` calls of the gateway's /api/info, each on a new connection (pod -> answers). */
export async function podsAnswering(baseUrl: string, samples: number, timeoutMs = 3_000): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < samples; i += 1) {
    const pod = (await infoOnNewConnection(baseUrl, timeoutMs).catch(() => undefined))?.pod;
    if (pod) seen.set(pod, (seen.get(pod) ?? 0) + 1);
  }
  return seen;
}
