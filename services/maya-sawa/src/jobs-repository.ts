import { randomUUID } from 'node:crypto';
import type { Job, JobKind, JobResult, Summary } from '../../../contracts/maya-sawa.js';
import type { Pool } from './db.js';

interface JobRow {
  id: string;
  kind: JobKind;
  status: Job['status'];
  text_length: number;
  submitted_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  result: JobResult | null;
  summary: Summary | null;
  error: string | null;
  worker_pod: string | null;
}

const COLUMNS = 'id, kind, status, char_length(text) AS text_length, submitted_at, started_at, finished_at, result, summary, error, worker_pod';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    textLength: row.text_length,
    submittedAt: row.submitted_at.toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    result: row.result,
    summary: row.summary,
    error: row.error,
    workerPod: row.worker_pod,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The jobs table: web inserts and reads, the worker claims and completes. */
export class JobsRepository {
  constructor(private readonly pool: Pool) {}

  async create(text: string, kind: JobKind = 'analyse'): Promise<Job> {
    const result = await this.pool.query<JobRow>(`INSERT INTO jobs (id, text, kind, status) VALUES ($1, $2, $3, 'queued') RETURNING ${COLUMNS}`, [randomUUID(), text, kind]);
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

  /**
   * Claims the job for `workerPod`: its text and kind, or `done` if it was already completed (a queue message
   * delivered again, e.g. after a worker crashed between finishing and acknowledging: it is not done twice), or
   * undefined if there is no such job.
   */
  async start(id: string, workerPod: string): Promise<{ text: string; kind: JobKind } | 'done' | undefined> {
    const result = await this.pool.query<{ text: string; kind: JobKind }>(
      `UPDATE jobs SET status = 'processing', started_at = now(), worker_pod = $2 WHERE id = $1 AND status <> 'done' RETURNING text, kind`,
      [id, workerPod],
    );
    if (result.rows[0]) return result.rows[0];
    const exists = await this.pool.query(`SELECT 1 FROM jobs WHERE id = $1`, [id]);
    return exists.rowCount ? 'done' : undefined;
  }

  /** Records the result, once: false if the job was already done. */
  async complete(id: string, outcome: { result: JobResult } | { summary: Summary }): Promise<boolean> {
    const [column, value] = 'result' in outcome ? ['result', outcome.result] : ['summary', outcome.summary];
    const updated = await this.pool.query(`UPDATE jobs SET status = 'done', finished_at = now(), ${column} = $2, error = NULL WHERE id = $1 AND status <> 'done'`, [id, JSON.stringify(value)]);
    return (updated.rowCount ?? 0) > 0;
  }

  async fail(id: string, error: string): Promise<void> {
    await this.pool.query(`UPDATE jobs SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [id, error]);
  }
}
