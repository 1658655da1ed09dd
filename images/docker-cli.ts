import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; inherit?: boolean } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: options.inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(`'${command}' is not installed or not on PATH`) : error),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function docker(args: string[]): Promise<CommandResult> {
  return run('docker', args);
}

export async function dockerAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const result = await docker(['info', '--format', '{{.ServerVersion}}']);
    if (result.code === 0) return { ok: true };
    return { ok: false, reason: result.stderr.trim() || 'docker info failed' };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

export async function imageExists(ref: string): Promise<boolean> {
  return (await docker(['image', 'inspect', '--format', '{{.Id}}', ref])).code === 0;
}

/** One `docker pull`: whether it worked, and its stderr (what the engine or the registry said) when it did not. */
export interface PullAttempt {
  ok: boolean;
  output: string;
}

export async function pullImage(ref: string): Promise<PullAttempt> {
  const result = await docker(['pull', '--quiet', ref]);
  return { ok: result.code === 0, output: result.stderr.trim() };
}

export async function saveImages(refs: string[], file: string): Promise<void> {
  const result = await docker(['save', '-o', file, ...refs]);
  if (result.code !== 0) throw new Error(`docker save ${refs.join(' ')} failed: ${result.stderr.trim()}`);
}

export async function loadImages(file: string): Promise<void> {
  const result = await docker(['load', '-q', '-i', file]);
  if (result.code !== 0) throw new Error(`docker load -i ${file} failed: ${result.stderr.trim()}`);
}

export async function imageSizeBytes(ref: string): Promise<number> {
  const result = await docker(['image', 'inspect', '--format', '{{.Size}}', ref]);
  return Number(result.stdout.trim());
}

/** The image operations of the host's Docker that resolution uses: the real ones here, fakes in unit tests. */
export interface DockerImages {
  imageExists(ref: string): Promise<boolean>;
  pullImage(ref: string): Promise<PullAttempt>;
  saveImages(refs: string[], file: string): Promise<void>;
}

export const hostDocker: DockerImages = { imageExists, pullImage, saveImages };
