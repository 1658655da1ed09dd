// The baseline for the bench: a bare Express server doing the same work as the api-gateway on the same routes
// (nothing for /health/live; PING plus the two HGETALLs of the worker's hashes for /api/status), without the
// gateway's metrics, logging, body parsing, validation and error handling.
import express from 'express';
import { Redis } from 'ioredis';
import { redisKeys } from '../services/shared/src/redis-keys.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const app = express();

app.get('/health/live', (_req, res) => {
  res.json({ status: 'ok' });
});

app.get('/api/status', async (_req, res) => {
  const startedAt = performance.now();
  await redis.ping();
  const latencyMs = performance.now() - startedAt;
  const [counts, last] = await Promise.all([redis.hgetall(redisKeys.taskCounts), redis.hgetall(redisKeys.lastTask)]);
  res.json({ status: 'ok', redis: { connected: true, latencyMs }, worker: { counts, last } });
});

const server = app.listen(Number(process.env.PORT ?? 9999), process.env.HOST ?? '127.0.0.1', () => {
  console.log('bare server listening');
});
process.on('SIGTERM', () => {
  server.close();
  redis.disconnect();
});
