import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The suite's configuration: every environment variable it reads (its own KMS_*, and testcontainers' where the
 * suite reads or sets them), parsed and checked here, and nowhere else. Each variable has one entry below: its name,
 * what it takes, its default and what it does. The README's "Configuration" table is rendered from these entries
 * (harness/suite-config-table.ts), and a unit test keeps the two equal.
 *
 * A leaf module (node: imports only), so that images/ can use it without depending on the rest of the harness.
 */

/** The most scenario files that can run at once: the scenario cluster maps this many lanes' NodePorts (harness/system.ts). */
export const MAX_SCENARIO_LANES = 4;
/** Requests the contracts' fuzzer sends each service by default. */
export const DEFAULT_FUZZ_RUNS = 150;
/** testcontainers' reaper image, as testcontainers 12 names it. */
export const DEFAULT_RYUK_IMAGE = 'testcontainers/ryuk:0.14.0';

export type ImageSource = 'auto' | 'upstream' | 'local';

export interface SuiteConfig {
  /** KMS_KUBECONFIG: the user's own cluster; unset, the suite starts one in containers. */
  readonly kubeconfig: string | undefined;
  /** KMS_NODE_ADDRESS */
  readonly nodeAddress: string | undefined;
  /** KMS_IMAGE_REGISTRY */
  readonly imageRegistry: string | undefined;
  /** KMS_DRAIN_NODE */
  readonly drainNode: string | undefined;
  /** KMS_SCENARIO_LANES, else one per core (at most MAX_SCENARIO_LANES). */
  readonly scenarioLanes: number;
  /** KMS_IMAGE_SOURCE */
  readonly imageSource: ImageSource;
  /** KMS_IMAGE_<NAME>, by catalog image name (KMS_IMAGE_NODE_RUNTIME pins `node-runtime`). */
  readonly imagePins: Readonly<Record<string, string>>;
  /** KMS_CACHE_DIR, else under XDG_CACHE_HOME or ~/.cache. */
  readonly cacheDir: string;
  /** KMS_CHROMIUM */
  readonly chromium: string | undefined;
  /** TESTCONTAINERS_RYUK_DISABLED as the user set it; unset, chooseReaper() decides. */
  readonly ryukDisabled: boolean | undefined;
  /** RYUK_CONTAINER_IMAGE */
  readonly ryukImage: string;
  /** TESTCONTAINERS_HOST_OVERRIDE as the user set it; unset, configureTestcontainers() may set it. */
  readonly hostOverride: string | undefined;
  /** KMS_FUZZ_SEED: replays a run of the contracts' fuzzer; unset, each run draws its own seed. */
  readonly fuzzSeed: number | undefined;
  /** KMS_FUZZ_RUNS: requests the fuzzer sends each service. */
  readonly fuzzRuns: number;
  /** KMS_CLEANUP_WATCHDOG (internal): the process whose cleanup watchdog is already running. */
  readonly cleanupWatchdog: number | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** What defaults depend on besides the environment. */
export interface Host {
  cores: number;
  home: string;
}

/** A variable as the README's table documents it. */
export interface DocumentedVariable {
  readonly name: string;
  /** What it takes, in words; also what an error says to give. */
  readonly takes: string;
  readonly default: string;
  readonly description: string;
}

interface Variable<T> extends DocumentedVariable {
  /** `value` is undefined when the variable is unset or empty; throw NotAllowed for a value the variable does not take. */
  parse(value: string | undefined, context: { env: Env; host: Host }): T;
}

/** A value a variable does not take; suiteConfig() turns it into an error naming the variable and what it takes. */
class NotAllowed extends Error {
  constructor(readonly variable?: string, readonly value?: string) {
    super('not allowed');
  }
}

const text = (value: string | undefined): string | undefined => value;

function oneOf<const T extends string>(allowed: readonly T[], fallback: T): (value: string | undefined) => T {
  return (value) => {
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new NotAllowed();
  };
}

function trueOrFalse(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new NotAllowed();
}

function wholeNumber(value: string, min: number, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new NotAllowed();
  return number;
}

/** Refuses what cannot be part of the value: a scheme, a path, whitespace, a digest. */
function without(pattern: RegExp): (value: string | undefined) => string | undefined {
  return (value) => {
    if (value !== undefined && pattern.test(value)) throw new NotAllowed();
    return value;
  };
}

const PIN_PREFIX = 'KMS_IMAGE_';

/** KMS_IMAGE_<NAME> for a catalog image: upper case, `-` as `_`. */
export function imagePinVariable(image: string): string {
  return `${PIN_PREFIX}${image.toUpperCase().replace(/-/g, '_')}`;
}

function imagePins(env: Env): Record<string, string> {
  const ownVariables = new Set(Object.values(SUITE_VARIABLES).map((variable) => variable.name));
  const pins: Record<string, string> = {};
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith(PIN_PREFIX) || !/^[A-Z0-9_]+$/.test(variable) || ownVariables.has(variable) || !value) continue;
    if (/\s/.test(value)) throw new NotAllowed(variable, value);
    pins[variable.slice(PIN_PREFIX.length).toLowerCase().replace(/_/g, '-')] = value;
  }
  return pins;
}

/** The variables the suite's TypeScript reads, one entry each, in the README table's order. */
export const SUITE_VARIABLES: { readonly [K in keyof SuiteConfig]: Variable<SuiteConfig[K]> } = {
  kubeconfig: {
    name: 'KMS_KUBECONFIG',
    takes: 'a kubeconfig file',
    default: 'unset: the suite starts its own cluster in containers',
    description:
      'Run the scenarios on that cluster instead: no node container is started, and agents (withAgents) cannot be added; see Another cluster',
    parse: text,
  },
  nodeAddress: {
    name: 'KMS_NODE_ADDRESS',
    takes: 'a node host name or IP address, without scheme or path',
    default: 'unset',
    description: "With KMS_KUBECONFIG: the node address the tests reach NodePorts on (required for the scenarios' HTTP traffic)",
    parse: without(/[\s/]/),
  },
  imageRegistry: {
    name: 'KMS_IMAGE_REGISTRY',
    takes: 'a registry and path without scheme or trailing slash, like registry.example.com/team',
    default: 'unset: images are used as they are',
    description: "With KMS_KUBECONFIG: the resolved images are tagged and pushed there, and the cluster's nodes pull them from there",
    parse: without(/:\/\/|\s|@|\/$/),
  },
  drainNode: {
    name: 'KMS_DRAIN_NODE',
    takes: 'a node name',
    default: 'the last Ready, schedulable, untainted worker by name',
    description: "With KMS_KUBECONFIG: the node scenarios/node-failure.test.ts drains (all that node's pods are evicted)",
    parse: without(/\s/),
  },
  scenarioLanes: {
    name: 'KMS_SCENARIO_LANES',
    takes: `a whole number from 1 to ${MAX_SCENARIO_LANES}`,
    default: `one per core, at most ${MAX_SCENARIO_LANES}`,
    description: 'How many copies of the system the scenario files deploy at once, one per file (lanes); the files that run on a node of their own (init-order, maya-sawa-faults) run beside them, one at a time; 1 runs every file one at a time',
    parse: (value, { host }) =>
      value === undefined ? Math.max(1, Math.min(MAX_SCENARIO_LANES, host.cores)) : wholeNumber(value, 1, MAX_SCENARIO_LANES),
  },
  imageSource: {
    name: 'KMS_IMAGE_SOURCE',
    takes: 'auto, upstream or local',
    default: 'auto',
    description:
      'How images are obtained. auto: present, else pulled, else (registry unreachable) built from the local recipe; upstream: present or pulled only; local: the local recipes only, never a pull',
    parse: oneOf(['auto', 'upstream', 'local'], 'auto'),
  },
  imagePins: {
    name: 'KMS_IMAGE_<NAME>',
    takes: 'an image reference',
    default: 'unset',
    description:
      'Pins one catalog image (KMS_IMAGE_NODE=rancher/k3s:v1.33.5-k3s1, KMS_IMAGE_NODE_RUNTIME for node-runtime), whatever KMS_IMAGE_SOURCE says',
    parse: (_, { env }) => imagePins(env),
  },
  cacheDir: {
    name: 'KMS_CACHE_DIR',
    takes: 'a directory',
    default: '$XDG_CACHE_HOME/kube-microservices-suite, else ~/.cache/kube-microservices-suite',
    description: 'Where built image tarballs, build outputs, locks and logs are kept between runs (npm run images -- clean empties it)',
    parse: (value, { env, host }) => value ?? join(env.XDG_CACHE_HOME || join(host.home, '.cache'), 'kube-microservices-suite'),
  },
  chromium: {
    name: 'KMS_CHROMIUM',
    takes: 'a Chromium or Chrome executable',
    default: "the first installed: Debian's and Google's paths, then /Applications and ~/Applications on macOS",
    description: 'The browser the dashboard test drives (none is ever downloaded); when it is set, scripts/prepare-host.sh installs none',
    parse: text,
  },
  ryukDisabled: {
    name: 'TESTCONTAINERS_RYUK_DISABLED',
    takes: 'true or false',
    default: "chosen per run: false where testcontainers' reaper image is present or can be pulled, else true",
    description: "testcontainers' own: whether its reaper (Ryuk) is off; a value you set is kept",
    parse: trueOrFalse,
  },
  ryukImage: {
    name: 'RYUK_CONTAINER_IMAGE',
    takes: 'an image reference',
    default: DEFAULT_RYUK_IMAGE,
    description: "testcontainers' own: the reaper's image, which the suite looks for (and pulls) before turning the reaper on",
    parse: (value) => value ?? DEFAULT_RYUK_IMAGE,
  },
  hostOverride: {
    name: 'TESTCONTAINERS_HOST_OVERRIDE',
    takes: 'a host name or IP address',
    default: "127.0.0.1 inside a container whose Docker engine runs on this host, else testcontainers' choice",
    description: "testcontainers' own: the address containers' mapped ports are reached on; a value you set is kept",
    parse: text,
  },
  fuzzSeed: {
    name: 'KMS_FUZZ_SEED',
    takes: 'the seed a fuzzer run printed (a 32-bit whole number)',
    default: 'unset: a new seed each run',
    description: "Replays contracts/fuzz.contract.test.ts: the same seed sends the same requests (see Fuzzing the contracts)",
    parse: (value) => (value === undefined ? undefined : wholeNumber(value, -(2 ** 31), 2 ** 31 - 1)),
  },
  fuzzRuns: {
    name: 'KMS_FUZZ_RUNS',
    takes: 'a whole number from 1 to 1000000',
    default: String(DEFAULT_FUZZ_RUNS),
    description: 'Requests the fuzzer sends each service; its time bound grows in proportion',
    parse: (value) => (value === undefined ? DEFAULT_FUZZ_RUNS : wholeNumber(value, 1, 1_000_000)),
  },
  cleanupWatchdog: {
    name: 'KMS_CLEANUP_WATCHDOG',
    takes: 'a process id (internal: set by the suite)',
    default: 'set by the first process of a run that starts containers',
    description: "Internal: tells that process's children (vitest's workers) that its cleanup watchdog runs; do not set it",
    parse: (value) => (value === undefined ? undefined : wholeNumber(value, 1, Number.MAX_SAFE_INTEGER)),
  },
};

/** Read by the shell scripts only (scripts/prepare-host.sh, scripts/lib/host-packages.sh); documented with the others. */
export const SHELL_VARIABLES: readonly DocumentedVariable[] = [
  {
    name: 'KMS_SKIP_HOST_PREP',
    takes: '1',
    default: 'unset',
    description: 'Skips scripts/prepare-host.sh before npm test and npm run up (e.g. when DOCKER_HOST points at an engine you manage)',
  },
  {
    name: 'KMS_PREPARE',
    takes: 'all or docker',
    default: 'all',
    description: 'What scripts/prepare-host.sh makes sure of: the Docker engine, and with all Chromium for the browser test too (npm run up sets docker)',
  },
  {
    name: 'KMS_APT_LOCK',
    takes: 'a file',
    default: '/var/lock/kube-microservices-suite-apt.lock',
    description: "The lock around the suite's own apt-get installs on the host (image builds run side by side)",
  },
  {
    name: 'KMS_APT_LOCK_TIMEOUT',
    takes: 'seconds',
    default: '1200',
    description: "How long an install waits for that lock and for dpkg's",
  },
];

/** Every variable the README's table documents. */
export const DOCUMENTED_VARIABLES: readonly DocumentedVariable[] = [...Object.values(SUITE_VARIABLES), ...SHELL_VARIABLES];

/**
 * The suite's configuration from `env`: every variable parsed, defaults applied (an empty value counts as unset).
 * Throws on the first value a variable does not take, naming the variable and what it takes.
 */
export function suiteConfig(env: Env = process.env, host: Partial<Host> = {}): SuiteConfig {
  const context = { env, host: { cores: host.cores ?? availableParallelism(), home: host.home ?? homedir() } };
  const entries = Object.entries(SUITE_VARIABLES).map(([key, variable]: [string, Variable<unknown>]) => {
    const value = env[variable.name] || undefined;
    try {
      return [key, variable.parse(value, context)] as const;
    } catch (error) {
      if (!(error instanceof NotAllowed)) throw error;
      throw new Error(`${error.variable ?? variable.name}=${error.value ?? value}: give ${variable.takes}`);
    }
  });
  return Object.fromEntries(entries) as unknown as SuiteConfig;
}
