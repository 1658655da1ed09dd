/**
 * Why a `docker pull` failed, read from its stderr:
 *   unreachable   no registry on this network: the name does not resolve, or the connection is refused or never made
 *   rate-limited  the registry refuses more pulls for now (Docker Hub: 100 anonymous pulls per 6 h per IP address)
 *   transient     the registry answered but broke off, or failed on its side: worth another try
 *   not-found     the registry has no such image (or will not show it without a login)
 *   other         anything else (an invalid reference, the Docker engine itself failing, ...)
 */
export type PullFailure = 'unreachable' | 'rate-limited' | 'transient' | 'not-found' | 'other';

/** Failures on this side (the engine's socket, the reference), whose wording could look like a registry's answer. */
const LOCAL_FAILURE = [/Cannot connect to the Docker daemon/i, /docker\.sock/i, /invalid reference format/i];

const RATE_LIMITED = [/toomanyrequests/i, /too many requests/i, /pull rate limit/i, /\b429\b/];

// The connect phase only: `dial tcp` (the name lookup or the connection) failed, so no registry answered at all. A
// time-out after the connection was made (reading, awaiting headers) is `transient` below: a slow registry is not an
// absent one.
const UNREACHABLE = [
  /dial tcp[^\n]*(?:no such host|connection refused|network is unreachable|no route to host|host is down|i\/o timeout|server misbehaving|temporary failure in name resolution)/i,
  /lookup \S+[^\n]*(?:no such host|server misbehaving|temporary failure in name resolution)/i,
];

const NOT_FOUND = [
  /manifest unknown/i,
  /not found/i,
  /repository does not exist/i,
  /\bdenied\b/i,
  /no matching manifest for/i,
];

const TRANSIENT = [
  /unexpected (?:HTTP )?status(?: code)?:? 5\d\d/i,
  /\b5\d\d (?:Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)/i,
  /TLS handshake timeout/i,
  /connection reset/i,
  /unexpected EOF/i,
  /: EOF\s*$/im,
  /context deadline exceeded/i,
  /Client\.Timeout exceeded/i,
  /i\/o timeout/i,
  /broken pipe/i,
  /server sent GOAWAY/i,
  /stream error/i,
];

export function classifyPullError(stderr: string): PullFailure {
  const matches = (patterns: readonly RegExp[]) => patterns.some((pattern) => pattern.test(stderr));
  if (matches(LOCAL_FAILURE)) return 'other';
  if (matches(RATE_LIMITED)) return 'rate-limited';
  if (matches(UNREACHABLE)) return 'unreachable';
  if (matches(NOT_FOUND)) return 'not-found';
  if (matches(TRANSIENT)) return 'transient';
  return 'other';
}
