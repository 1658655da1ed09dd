/**
 * Starts a container whose ports Docker publishes on random host ports, again when the port Docker chose was taken
 * between its choice and its bind. Docker picks from the kernel's ephemeral range (32768–60999 by default), the
 * range every outgoing connection of this machine also draws from; under load a client socket can hold the chosen
 * port, and Docker (before 28) fails the start instead of choosing another: "Error starting userland proxy: listen
 * tcp4 127.0.0.1:32777: bind: address already in use". The container Docker created for the failed attempt is
 * never started and carries the suite's labels, so `npm run down` and the end-of-run cleanup remove it.
 */
export const PORT_RACE_ATTEMPTS = 3;

export function lostPortRace(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /bind: address already in use|port is already allocated/.test(message) && /external connectivity|userland proxy|Bind for/.test(message);
}

export async function startDespitePortRace<T>(start: () => Promise<T>, onRetry: (error: Error, attempt: number) => void = logRetry): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= PORT_RACE_ATTEMPTS || !lostPortRace(error)) throw error;
      onRetry(error as Error, attempt);
    }
  }
}

function logRetry(error: Error, attempt: number): void {
  console.warn(`[containers] attempt ${attempt} lost a host port to another socket, starting again: ${error.message.split('\n')[0]}`);
}
