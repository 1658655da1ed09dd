import { describe, expect, it } from 'vitest';
import { PORT_RACE_ATTEMPTS, lostPortRace, startDespitePortRace } from './start-container.js';

const dockerError = (message: string): Error => new Error(`(HTTP code 500) server error - ${message}`);
const userlandProxy = dockerError(
  'driver failed programming external connectivity on endpoint great_galois (b6b4): Error starting userland proxy: listen tcp4 127.0.0.1:32777: bind: address already in use',
);
const allocated = dockerError('driver failed programming external connectivity on endpoint x (1): Bind for 0.0.0.0:32777 failed: port is already allocated');
const quiet = (): void => undefined;

describe('starting a container despite a lost host-port race', () => {
  it('recognises both forms of Docker\'s error and nothing else', () => {
    expect(lostPortRace(userlandProxy)).toBe(true);
    expect(lostPortRace(allocated)).toBe(true);
    expect(lostPortRace(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'))).toBe(false); // our own server, not Docker's
    expect(lostPortRace(dockerError('No such image: redis:7'))).toBe(false);
  });

  it('starts again after a lost race and returns the started container', async () => {
    let calls = 0;
    const started = await startDespitePortRace(async () => {
      calls += 1;
      if (calls === 1) throw userlandProxy;
      return 'started';
    }, quiet);
    expect(started).toBe('started');
    expect(calls).toBe(2);
  });

  it(`gives up after ${PORT_RACE_ATTEMPTS} attempts with Docker's error`, async () => {
    let calls = 0;
    const starting = startDespitePortRace(async () => {
      calls += 1;
      throw userlandProxy;
    }, quiet);
    await expect(starting).rejects.toBe(userlandProxy);
    expect(calls).toBe(PORT_RACE_ATTEMPTS);
  });

  it('does not retry any other failure', async () => {
    let calls = 0;
    const missing = dockerError('No such image: redis:7');
    await expect(
      startDespitePortRace(async () => {
        calls += 1;
        throw missing;
      }, quiet),
    ).rejects.toBe(missing);
    expect(calls).toBe(1);
  });
});
