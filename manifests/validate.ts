/**
 * Schema validation of rendered Kubernetes objects, from two libraries generated from the Kubernetes OpenAPI spec:
 *
 * - kubernetes-models (its `validate()` runs the official JSON schemas: types, required fields, enums, formats,
 *   int-or-string, quantities). Those schemas allow unknown fields, as the API server's non-strict decoding does.
 * - @kubernetes/client-node's generated models, whose attribute maps list every field of every type: they reject
 *   unknown fields (a misspelt `readinesProbe` would otherwise pass and be dropped by the server), as
 *   `kubectl apply --validate=strict` does.
 */
import * as k8s from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: object): { validate(): void };
}

function isModelClass(value: unknown): value is ModelClass {
  return (
    typeof value === 'function' &&
    typeof (value as { apiVersion?: unknown }).apiVersion === 'string' &&
    typeof (value as { kind?: unknown }).kind === 'string'
  );
}

/** apiVersion/kind → kubernetes-models class, for the API groups a manifest of ours may use. */
const models = new Map<string, ModelClass>();
for (const group of [coreV1, appsV1, autoscalingV2, batchV1, networkingV1, policyV1, rbacV1]) {
  for (const value of Object.values(group)) {
    if (isModelClass(value)) models.set(`${value.apiVersion}/${value.kind}`, value);
  }
}

interface Attribute {
  baseName: string;
  type: string;
}
interface ClientModel {
  getAttributeTypeMap(): Attribute[];
}

function clientModel(name: string): ClientModel | undefined {
  const value: unknown = (k8s as Record<string, unknown>)[name];
  return typeof value === 'function' && typeof (value as Partial<ClientModel>).getAttributeTypeMap === 'function'
    ? (value as unknown as ClientModel)
    : undefined;
}

/** client-node names a model by version and kind: apps/v1 Deployment → V1Deployment, autoscaling/v2 HPA → V2…. */
function clientModelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').at(-1) ?? apiVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;

function unknownFields(value: unknown, type: string, where: string, problems: string[]): void {
  if (value === null || value === undefined) return;
  const array = ARRAY.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, i) => unknownFields(item, array[1]!, `${where}[${i}]`, problems));
    return;
  }
  const map = MAP.exec(type);
  if (map) {
    if (typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) unknownFields(item, map[1]!, `${where}.${key}`, problems);
    }
    return;
  }
  const model = clientModel(type);
  if (!model || typeof value !== 'object' || Array.isArray(value)) return; // a scalar, or free-form (RawExtension)
  const attributes = model.getAttributeTypeMap();
  for (const [key, item] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === key);
    if (!attribute) problems.push(`${where}.${key}: unknown field (not in ${type})`);
    else unknownFields(item, attribute.type, `${where}.${key}`, problems);
  }
}

export function describeObject(object: KubernetesObject): string {
  return `${object.kind ?? '?'}/${object.metadata?.name ?? '?'}`;
}

/**
 * Validates one object against the Kubernetes schemas; returns the problems found (empty when valid). An object of
 * a kind neither library knows is itself a problem, so nothing slips past unchecked.
 */
export function validateObject(object: KubernetesObject): string[] {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['missing apiVersion or kind'];
  const problems: string[] = [];

  const Model = models.get(`${apiVersion}/${kind}`);
  if (!Model) {
    problems.push(`no schema for ${apiVersion} ${kind}`);
  } else {
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`schema: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const name = clientModelName(apiVersion, kind);
  if (!clientModel(name)) problems.push(`no field list for ${apiVersion} ${kind} (${name})`);
  else unknownFields(object, name, kind, problems);

  return problems;
}
