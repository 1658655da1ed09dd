import { describe, expect, it } from 'vitest';
import { NETWORK_PREFIX, networkName, networkOwnerPid } from './cluster-network.js';

describe('cluster network names', () => {
  it('name the owning process, which cleanup reads back', () => {
    const name = networkName(4242, 'abc123');
    expect(name.startsWith(NETWORK_PREFIX)).toBe(true);
    expect(name).toMatch(/^kms-net-[0-9a-f]{8}-4242-abc123$/);
    expect(networkOwnerPid(name)).toBe(4242);
    expect(networkOwnerPid(networkName())).toBe(process.pid);
  });

  it("judge no network that is not the suite's, or whose owner lives on another host or PID namespace", () => {
    expect(networkOwnerPid('bridge')).toBeUndefined();
    expect(networkOwnerPid('kms-net-00000000-4242-abc123')).toBeUndefined(); // digest of another owner
  });
});
