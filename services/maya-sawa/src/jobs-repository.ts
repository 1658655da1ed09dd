import { randomUUID } from 'node:crypto';
import type { Job, JobResult } from '../../../contracts/maya-sawa.js';
import type { Pool } from './db.js';

interface JobRow {
  id: string;
  status: Job['status'];
  text_length: number;
  submitted_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  result: JobResult | null;
  error: string | null;
  worker_pod: string | null;
}

const COLUMNS = 'id, status, char_length(text) AS text_length, submitted_at, started_at, finished_at, result, error, worker_pod';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    status: row.status,
    textLength: row.text_length,
    submittedAt: row.submitted_at.toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    result: row.result,
    error: row.error,
    workerPod: row.worker_pod,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The jobs table: web inserts and reads, the worker claims and completes. */
export class JobsRepository {
  constructor(private readonly pool: Pool) {}

  async create(text: string): Promise<Job> {
    const result = await this.pool.query<JobRow>(`INSERT INTO jobs (id, text, status) VALUES ($1, $2, 'queued') RETURNING ${COLUMNS}`, [randomUUID(), text]);
    return toJob(result.rows[0]!);
  }

  async get(id: string): Promise<Job | undefined> {
    if (!UUID.test(id)) return undefined;
    const result = await this.pool.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
    return result.rows[0] ? toJob(result.rows[0]) : undefined;
  }

  async recent(limit: number): Promise<Job[]> {
    const result = await this.pool.query<JobRow>(`SELECT ${COLUMNS} FROM jobs ORDER BY submitted_at DESC, id LIMIT $1`, [limit]);
    return result.rows.map(toJob);
  }

  /** Marks the job as being processed by `workerPod`; returns its text, or undefined if there is no such job. */
  async start(id: string, workerPod: string): Promise<string | undefined> {
    const result = await this.pool.query<{ text: string }>(
      `UPDATE jobs SET status = 'processing', started_at = now(), worker_pod = $2 WHERE id = $1 RETURNING text`,
      [id, workerPod],
    );
    return result.rows[0]?.text;
  }

  async complete(id: string, result: JobResult): Promise<void> {
    await this.pool.query(`UPDATE jobs SET status = 'done', finished_at = now(), result = $2, error = NULL WHERE id = $1`, [id, JSON.stringify(result)]);
  }

  async fail(id: string, error: string): Promise<void> {
    await this.pool.query(`UPDATE jobs SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [id, error]);
  }
}
