package main

// kms-wait node-routes NODE: the pod network between nodes, as flannel's host-gw backend makes it. Watches the
// Node objects (an informer: one list, then a watch) and keeps, on this node, one route per other node:
//   ip route replace <its spec.podCIDR> via <its InternalIP>
// A node that joins later gets its route as soon as the controller-manager gives it a pod CIDR; a deleted Node
// loses its route. The nodes share one L2 network (a Docker network), so each peer is one hop away. Every change
// is logged; a failed `ip` command is retried at the next change of that Node (its status, every few seconds) or
// resync (30 s). A route that cannot be made for 30 s (e.g. the peer's address is on no network of this node)
// ends the process, so the node stops with this log's tail instead of running pods that cannot reach the others.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

type route struct{ cidr, via string }

func nodeRoute(node *corev1.Node) (route, bool) {
	if node.Spec.PodCIDR == "" {
		return route{}, false
	}
	for _, address := range node.Status.Addresses {
		if address.Type == corev1.NodeInternalIP && !strings.Contains(address.Address, ":") {
			return route{cidr: node.Spec.PodCIDR, via: address.Address}, true
		}
	}
	return route{}, false
}

func ipRoute(args ...string) error {
	out, err := exec.Command("ip", append([]string{"route"}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip route %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func nodeRoutes(self string) int {
	config, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// No client timeout: it would cut the informer's watch.
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var mu sync.Mutex
	installed := map[string]route{}        // node name -> the route in place
	failingSince := map[string]time.Time{} // node name -> first failure of its route, while it fails
	logf := func(format string, args ...any) {
		fmt.Printf("%s %s\n", time.Now().Format(time.RFC3339), fmt.Sprintf(format, args...))
	}
	apply := func(obj any) {
		node, ok := obj.(*corev1.Node)
		if !ok || node.Name == self {
			return
		}
		want, ok := nodeRoute(node)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if have, present := installed[node.Name]; present && have == want {
			return
		}
		if have, present := installed[node.Name]; present && have.cidr != want.cidr {
			_ = ipRoute("del", have.cidr)
		}
		if err := ipRoute("replace", want.cidr, "via", want.via); err != nil {
			delete(installed, node.Name)
			first, failing := failingSince[node.Name]
			if !failing {
				failingSince[node.Name] = time.Now()
				logf("node %s: %v (retrying)", node.Name, err)
			} else if time.Since(first) > 30*time.Second {
				logf("node %s: no route for %s: %v; giving up", node.Name, time.Since(first).Round(time.Second), err)
				os.Exit(1)
			}
			return
		}
		delete(failingSince, node.Name)
		installed[node.Name] = want
		logf("node %s: route %s via %s", node.Name, want.cidr, want.via)
	}
	remove := func(obj any) {
		if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tombstone.Obj
		}
		node, ok := obj.(*corev1.Node)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		delete(failingSince, node.Name)
		if have, present := installed[node.Name]; present {
			if err := ipRoute("del", have.cidr); err != nil {
				logf("node %s deleted: %v", node.Name, err)
			} else {
				logf("node %s deleted: route %s removed", node.Name, have.cidr)
			}
			delete(installed, node.Name)
		}
	}
	factory := informers.NewSharedInformerFactory(client, 30*time.Second)
	informer := factory.Core().V1().Nodes().Informer()
	if _, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    apply,
		UpdateFunc: func(_, obj any) { apply(obj) },
		DeleteFunc: remove,
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	logf("watching nodes: a route to each other node's pod CIDR (this node: %s)", self)
	factory.Start(context.Background().Done())
	select {}
}
