// CPU time of a process, from /proc/<pid>/stat (user + system, in seconds), to record what each process of the bench
// got: the server under test, the load generator and Redis.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const clockTicksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Seconds of CPU the process has used so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces, inside parentheses): utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}

/** Starts a measurement; `stop()` gives the CPU used since, as a share of one core (1 = a whole core busy). */
export function cpuShare(pid: number): { stop(): number } {
  const startedCpu = cpuSeconds(pid) ?? 0;
  const startedAt = performance.now();
  return {
    stop() {
      const elapsed = (performance.now() - startedAt) / 1000;
      return Math.round((((cpuSeconds(pid) ?? startedCpu) - startedCpu) / elapsed) * 100) / 100;
    },
  };
}

export function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}
