package main

// kms-wait [--timeout=DURATION] CONDITION [ARGS]: polls the apiserver (KUBECONFIG) every 100 ms with one client
// until CONDITION holds; exit 0 when it does, 1 on timeout. The entrypoint's waits: kubectl in a loop would cost
// ~0.2 s of CPU per try, taken from the apiserver while it starts.
//   readyz                          GET /readyz answers ok
//   node-ready NODE                 the node is Ready and has no not-ready taint
//   deployment-ready NAMESPACE NAME the deployment has all its replicas ready
//   pod-cidr NODE                   the node has a spec.podCIDR (printed)
// kms-wait watch-livez: the apiserver's watchdog. Runs until GET /livez has failed for 3 s in a row with
// nothing listening (a process that stopped serving but did not exit), or for 30 s otherwise; then exits 1.
// kms-wait node-routes NODE: runs until killed (routes.go): a route to every other node's pod CIDR via its IP.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func kmsWait() int {
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "watch-livez" {
		return watchLivez()
	}
	if len(args) == 2 && args[0] == "node-routes" {
		return nodeRoutes(args[1])
	}
	timeout := 60 * time.Second
	if len(args) > 0 && strings.HasPrefix(args[0], "--timeout=") {
		parsed, err := time.ParseDuration(strings.TrimPrefix(args[0], "--timeout="))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		timeout, args = parsed, args[1:]
	}
	client, err := restClient()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	check, err := condition(client, args)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var last error
	err = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true,
		func(ctx context.Context) (bool, error) {
			ok, err := check(ctx)
			last = err
			return ok, nil
		})
	if err != nil {
		fmt.Fprintf(os.Stderr, "kms-wait %s: not met after %s (last error: %v)\n", strings.Join(args, " "), timeout, last)
		return 1
	}
	if output != "" {
		fmt.Println(output)
	}
	return 0
}

// output: what a condition that reports a value (pod-cidr) found.
var output string

func condition(client *kubernetes.Clientset, args []string) (func(context.Context) (bool, error), error) {
	switch {
	case len(args) == 1 && args[0] == "readyz":
		return func(ctx context.Context) (bool, error) {
			body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
			return err == nil && string(body) == "ok", err
		}, nil
	case len(args) == 2 && args[0] == "node-ready":
		return func(ctx context.Context) (bool, error) {
			node, err := client.CoreV1().Nodes().Get(ctx, args[1], metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			for _, taint := range node.Spec.Taints {
				if taint.Key == corev1.TaintNodeNotReady {
					return false, nil
				}
			}
			for _, c := range node.Status.Conditions {
				if c.Type == corev1.NodeReady {
					return c.Status == corev1.ConditionTrue, nil
				}
			}
			return false, nil
		}, nil
	case len(args) == 2 && args[0] == "pod-cidr":
		return func(ctx context.Context) (bool, error) {
			node, err := client.CoreV1().Nodes().Get(ctx, args[1], metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			output = node.Spec.PodCIDR
			return output != "", nil
		}, nil
	case len(args) == 3 && args[0] == "deployment-ready":
		return func(ctx context.Context) (bool, error) {
			d, err := client.AppsV1().Deployments(args[1]).Get(ctx, args[2], metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			want := int32(1)
			if d.Spec.Replicas != nil {
				want = *d.Spec.Replicas
			}
			return d.Status.ReadyReplicas >= want, nil
		}, nil
	}
	return nil, fmt.Errorf("usage: kms-wait [--timeout=60s] readyz | node-ready NODE | deployment-ready NAMESPACE NAME | pod-cidr NODE | node-routes NODE")
}

func restClient() (*kubernetes.Clientset, error) {
	config, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		return nil, err
	}
	config.Timeout, config.QPS, config.Burst = 2*time.Second, 50, 100
	return kubernetes.NewForConfig(config)
}

func watchLivez() int {
	client, err := restClient()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	lastOK := time.Now()
	for range time.Tick(500 * time.Millisecond) {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/livez").DoRaw(context.Background())
		if err == nil && string(body) == "ok" {
			lastOK = time.Now()
			continue
		}
		failing := time.Since(lastOK)
		refused := err != nil && strings.Contains(err.Error(), "connection refused")
		if (refused && failing > 3*time.Second) || failing > 30*time.Second {
			fmt.Printf("kube-apiserver has not answered /livez for %s: %v %s\n", failing.Round(time.Second), err, body)
			return 1
		}
	}
	return 0
}
