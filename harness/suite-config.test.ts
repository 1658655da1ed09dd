import { describe, expect, it } from 'vitest';
import { catalog } from '../images/catalog.js';
import { DEFAULT_FUZZ_RUNS, MAX_SCENARIO_LANES, imagePinVariable, suiteConfig, type Env } from './suite-config.js';

const HOST = { cores: 2, home: '/home/someone' };
const config = (env: Env) => suiteConfig(env, HOST);

describe('suiteConfig', () => {
  it('has a default for every variable', () => {
    expect(config({})).toEqual({
      kubeconfig: undefined,
      nodeAddress: undefined,
      imageRegistry: undefined,
      drainNode: undefined,
      scenarioLanes: 2,
      imageSource: 'auto',
      imagePins: {},
      cacheDir: '/home/someone/.cache/kube-microservices-suite',
      chromium: undefined,
      ryukDisabled: undefined,
      ryukImage: 'testcontainers/ryuk:0.14.0',
      hostOverride: undefined,
      fuzzSeed: undefined,
      fuzzRuns: DEFAULT_FUZZ_RUNS,
      cleanupWatchdog: undefined,
    });
  });

  it('takes every variable', () => {
    const env = {
      KMS_KUBECONFIG: '/etc/kube/config',
      KMS_NODE_ADDRESS: '192.0.2.10',
      KMS_IMAGE_REGISTRY: 'registry.example.com:5000/team',
      KMS_DRAIN_NODE: 'worker-2',
      KMS_SCENARIO_LANES: '1',
      KMS_IMAGE_SOURCE: 'local',
      KMS_CACHE_DIR: '/var/cache/kms',
      KMS_CHROMIUM: '/opt/chrome',
      TESTCONTAINERS_RYUK_DISABLED: 'false',
      RYUK_CONTAINER_IMAGE: 'mirror.example.com/ryuk:0.14.0',
      TESTCONTAINERS_HOST_OVERRIDE: '127.0.0.1',
      KMS_FUZZ_SEED: '-12345',
      KMS_FUZZ_RUNS: '5000',
      KMS_CLEANUP_WATCHDOG: '4242',
    };
    expect(config(env)).toEqual({
      kubeconfig: '/etc/kube/config',
      nodeAddress: '192.0.2.10',
      imageRegistry: 'registry.example.com:5000/team',
      drainNode: 'worker-2',
      scenarioLanes: 1,
      imageSource: 'local',
      imagePins: {},
      cacheDir: '/var/cache/kms',
      chromium: '/opt/chrome',
      ryukDisabled: false,
      ryukImage: 'mirror.example.com/ryuk:0.14.0',
      hostOverride: '127.0.0.1',
      fuzzSeed: -12345,
      fuzzRuns: 5000,
      cleanupWatchdog: 4242,
    });
  });

  it('counts an empty value as unset', () => {
    const empty = { KMS_KUBECONFIG: '', KMS_IMAGE_SOURCE: '', KMS_SCENARIO_LANES: '', KMS_CACHE_DIR: '', XDG_CACHE_HOME: '', KMS_IMAGE_REDIS: '', TESTCONTAINERS_RYUK_DISABLED: '' };
    expect(config(empty)).toEqual(config({}));
  });

  it('runs one scenario file per core, at most one per lane', () => {
    expect([1, 2, 3, 16].map((cores) => suiteConfig({}, { ...HOST, cores }).scenarioLanes)).toEqual([1, 2, 3, MAX_SCENARIO_LANES]);
    expect(suiteConfig({ KMS_SCENARIO_LANES: String(MAX_SCENARIO_LANES) }, { ...HOST, cores: 1 }).scenarioLanes).toBe(MAX_SCENARIO_LANES);
  });

  it('keeps the cache under XDG_CACHE_HOME when KMS_CACHE_DIR is unset', () => {
    expect(config({ XDG_CACHE_HOME: '/xdg' }).cacheDir).toBe('/xdg/kube-microservices-suite');
    expect(config({ XDG_CACHE_HOME: '/xdg', KMS_CACHE_DIR: '/mine' }).cacheDir).toBe('/mine');
  });

  it.each([
    ['KMS_IMAGE_SOURCE', 'pull', 'auto, upstream or local'],
    ['KMS_SCENARIO_LANES', '0', 'a whole number from 1 to 4'],
    ['KMS_SCENARIO_LANES', '5', 'a whole number from 1 to 4'],
    ['KMS_SCENARIO_LANES', '1.5', 'a whole number from 1 to 4'],
    ['KMS_SCENARIO_LANES', 'two', 'a whole number from 1 to 4'],
    ['KMS_NODE_ADDRESS', 'http://192.0.2.10', 'a node host name or IP address, without scheme or path'],
    ['KMS_IMAGE_REGISTRY', 'https://registry.example.com/team', 'a registry and path without scheme or trailing slash, like registry.example.com/team'],
    ['KMS_IMAGE_REGISTRY', 'registry.example.com/team/', 'a registry and path without scheme or trailing slash, like registry.example.com/team'],
    ['KMS_DRAIN_NODE', 'worker 2', 'a node name'],
    ['TESTCONTAINERS_RYUK_DISABLED', '1', 'true or false'],
    ['KMS_CLEANUP_WATCHDOG', 'yes', 'a process id (internal: set by the suite)'],
    ['KMS_FUZZ_SEED', '2147483648', 'the seed a fuzzer run printed (a 32-bit whole number)'],
    ['KMS_FUZZ_RUNS', '0', 'a whole number from 1 to 1000000'],
  ])('refuses %s=%s, naming the variable and what it takes', (name, value, takes) => {
    expect(() => config({ [name]: value })).toThrow(new Error(`${name}=${value}: give ${takes}`));
  });
});

describe('KMS_IMAGE_<NAME> pins', () => {
  it('pins images by catalog name, upper case with - as _', () => {
    const env = { KMS_IMAGE_REDIS: 'redis:8', KMS_IMAGE_NODE_RUNTIME: 'node:24-bookworm-slim', KMS_IMAGE_API_GATEWAY: 'gateway:mine' };
    expect(config(env).imagePins).toEqual({ redis: 'redis:8', 'node-runtime': 'node:24-bookworm-slim', 'api-gateway': 'gateway:mine' });
  });

  it('names a variable for every catalog image that reads back as that image', () => {
    for (const name of Object.keys(catalog)) {
      expect(config({ [imagePinVariable(name)]: 'pinned:1' }).imagePins, name).toEqual({ [name]: 'pinned:1' });
    }
    expect(imagePinVariable('node-runtime')).toBe('KMS_IMAGE_NODE_RUNTIME');
  });

  it("does not take the suite's other KMS_IMAGE_ variables for pins", () => {
    expect(config({ KMS_IMAGE_SOURCE: 'local', KMS_IMAGE_REGISTRY: 'registry.example.com/team' }).imagePins).toEqual({});
  });

  it('refuses a reference with whitespace, naming the pin', () => {
    expect(() => config({ KMS_IMAGE_POSTGRES: 'postgres 17' })).toThrow(new Error('KMS_IMAGE_POSTGRES=postgres 17: give an image reference'));
  });
});
