import { describe, expect, it } from 'vitest';
import { classifyPullError, type PullFailure } from './pull-error.js';

/**
 * Measured on a machine with no registry on its network (Docker 20.10.24, 2026): `docker pull redis:7.4-bookworm` fails
 * in about 0.02 s with the first line; a registry on a closed loopback port gives the second.
 */
const MEASURED_OFFLINE = 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host';
const MEASURED_REFUSED = 'Error response from daemon: Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused';

const cases: Array<[PullFailure, string]> = [
  ['unreachable', MEASURED_OFFLINE],
  ['unreachable', MEASURED_REFUSED],
  ['unreachable', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: Temporary failure in name resolution'],
  ['unreachable', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp 44.208.254.194:443: connect: network is unreachable'],
  ['unreachable', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp 44.208.254.194:443: connect: no route to host'],
  ['unreachable', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp 44.208.254.194:443: i/o timeout'],
  ['unreachable', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": proxyconnect tcp: dial tcp 10.0.0.1:3128: connect: connection refused'],
  ['unreachable', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: server misbehaving'],
  ['rate-limited', 'Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit'],
  ['rate-limited', 'Error response from daemon: received unexpected HTTP status: 429 Too Many Requests'],
  ['transient', 'Error response from daemon: received unexpected HTTP status: 503 Service Unavailable'],
  ['transient', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: TLS handshake timeout'],
  ['transient', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": read tcp 172.17.0.1:51234->44.208.254.194:443: read: connection reset by peer'],
  ['transient', 'error pulling image configuration: download failed after attempts=6: unexpected EOF'],
  ['transient', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": context deadline exceeded'],
  ['transient', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)'],
  ['transient', 'Error response from daemon: Head "https://registry-1.docker.io/v2/library/redis/manifests/7.4-bookworm": read tcp 172.17.0.1:40000->44.208.254.194:443: i/o timeout'],
  ['transient', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": EOF'],
  ['not-found', 'Error response from daemon: manifest for redis:7.4-nope not found: manifest unknown: manifest unknown'],
  ['not-found', "Error response from daemon: pull access denied for kube-microservices-suite/node, repository does not exist or may require 'docker login': denied: requested access to the resource is denied"],
  ['not-found', 'no matching manifest for linux/arm64/v8 in the manifest list entries'],
  ['other', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'],
  ['other', 'invalid reference format: repository name (Name) must be lowercase'],
  ['other', 'Error response from daemon: unauthorized: incorrect username or password'],
  ['other', ''],
];

describe('classifyPullError', () => {
  it.each(cases)('%s: %s', (failure, stderr) => {
    expect(classifyPullError(stderr)).toBe(failure);
  });

  it('reads the whole stderr, warnings before the error included', () => {
    expect(classifyPullError(`WARNING: something unrelated\n${MEASURED_OFFLINE}\n`)).toBe('unreachable');
  });
});
