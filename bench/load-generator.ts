// The bench's load generator, in a process of its own (bench/run.ts pins it to its own CPU, away from the server
// under test). Argument: JSON { url, connections, seconds, pipelining }. Prints "started" when the load begins, then one JSON
// line: autocannon's figures and the CPU this process used while loading, as a share of one core.
import autocannon from 'autocannon';

export interface LoadRequest {
  url: string;
  connections: number;
  seconds: number;
  /** Requests in flight per connection (HTTP/1.1 pipelining). */
  pipelining: number;
}

export interface LoadReport {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
  generatorCpu: number;
}

const request = JSON.parse(process.argv[2] ?? '') as LoadRequest;
const cpuAtStart = process.cpuUsage();
const startedAt = performance.now();
console.log('started');
const result = await autocannon({ url: request.url, connections: request.connections, duration: request.seconds, pipelining: request.pipelining });
const cpu = process.cpuUsage(cpuAtStart);
const elapsedMicros = (performance.now() - startedAt) * 1000;
const report: LoadReport = {
  requestsPerSecond: Math.round(result.requests.average),
  latencyP50Ms: result.latency.p50,
  latencyP99Ms: result.latency.p99,
  requests: result.requests.total,
  errors: result.errors + result.timeouts,
  non2xx: result.non2xx,
  generatorCpu: Math.round(((cpu.user + cpu.system) / elapsedMicros) * 100) / 100,
};
console.log(JSON.stringify(report));
