import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  KubernetesObjectApi,
  Metrics,
  NetworkingV1Api,
  PolicyV1Api,
} from '@kubernetes/client-node';

/** The typed API clients the harness and the scenarios use, made from one kubeconfig. */
export interface KubeClients {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  autoscaling: AutoscalingV2Api;
  discovery: DiscoveryV1Api;
  networking: NetworkingV1Api;
  policy: PolicyV1Api;
  objects: KubernetesObjectApi;
  metrics: Metrics;
}

export function kubeClients(kubeConfigYaml: string): KubeClients {
  const kc = new KubeConfig();
  kc.loadFromString(kubeConfigYaml);
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    autoscaling: kc.makeApiClient(AutoscalingV2Api),
    discovery: kc.makeApiClient(DiscoveryV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
    policy: kc.makeApiClient(PolicyV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
    metrics: new Metrics(kc),
  };
}
