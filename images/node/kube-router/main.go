// kube-router's network-policy controller alone, wired as k3s embeds it (k3s: pkg/agent/netpol): the same
// controller package (github.com/cloudnativelabs/kube-router/v2/pkg/controllers/netpol), none of kube-router's
// routing (BGP), service proxy or load-balancer code, so none of their dependencies (gobgp, the Docker client, the
// AWS SDK, gRPC) are in the binary. kube-router's own flags are parsed (`kube-router --help` lists them); only
// --run-firewall may be on.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/cloudnativelabs/kube-router/v2/pkg/controllers/netpol"
	"github.com/cloudnativelabs/kube-router/v2/pkg/healthcheck"
	"github.com/cloudnativelabs/kube-router/v2/pkg/options"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
)

// How long to wait for this node's Node object: the controller reads the node's IP from it at start.
const nodeWait = 120 * time.Second

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "kube-router network-policy controller: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	klog.InitFlags(nil)
	config := options.NewKubeRouterConfig()
	config.AddFlags(pflag.CommandLine)
	pflag.Parse()
	if err := flag.Set("v", config.VLevel); err != nil {
		return err
	}
	if config.HelpRequested {
		pflag.Usage()
		return nil
	}
	if config.RunRouter || config.RunServiceProxy || config.RunLoadBalancer || !config.RunFirewall {
		return errors.New("this build runs the firewall only: --run-firewall=true --run-router=false --run-service-proxy=false")
	}
	if config.HostnameOverride == "" || config.Kubeconfig == "" {
		return errors.New("--hostname-override (this node's name) and --kubeconfig are required")
	}

	restConfig, err := clientcmd.BuildConfigFromFlags(config.Master, config.Kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig %s: %w", config.Kubeconfig, err)
	}
	client, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := awaitNode(ctx, client, config.HostnameOverride); err != nil {
		return err
	}

	factory := informers.NewSharedInformerFactory(client, 0)
	pods := factory.Core().V1().Pods().Informer()
	namespaces := factory.Core().V1().Namespaces().Informer()
	policies := factory.Networking().V1().NetworkPolicies().Informer()
	factory.Start(ctx.Done())
	syncCtx, cancelSync := context.WithTimeout(ctx, config.CacheSyncTimeout)
	defer cancelSync()
	if !cache.WaitForCacheSync(syncCtx.Done(), pods.HasSynced, namespaces.HasSynced, policies.HasSynced) {
		return fmt.Errorf("pods, namespaces and network policies not listed within %s", config.CacheSyncTimeout)
	}

	iptables, ipsets, err := netpol.NewIPTablesHandlers(config)
	if err != nil {
		return err
	}
	controller, err := netpol.NewNetworkPolicyController(client, config, pods, policies, namespaces, &sync.Mutex{}, iptables, ipsets)
	if err != nil {
		return err
	}
	for informer, handler := range map[cache.SharedIndexInformer]cache.ResourceEventHandler{
		pods: controller.PodEventHandler, namespaces: controller.NamespaceEventHandler, policies: controller.NetworkPolicyEventHandler,
	} {
		if _, err := informer.AddEventHandler(handler); err != nil {
			return err
		}
	}

	// The controller reports a heartbeat after every sync and blocks if no one reads it; the node's supervisor
	// watches the process, so the heartbeats are only drained (as k3s does).
	heartbeats := make(chan *healthcheck.ControllerHeartbeat, 10)
	go func() {
		for range heartbeats {
		}
	}()
	var done sync.WaitGroup
	done.Add(1)
	go controller.Run(heartbeats, ctx.Done(), &done)
	klog.Infof("network policies enforced on node %s", config.HostnameOverride)
	<-ctx.Done()
	done.Wait()
	return nil
}

func awaitNode(ctx context.Context, client kubernetes.Interface, name string) error {
	deadline := time.Now().Add(nodeWait)
	for {
		_, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("node %s not found within %s: %w", name, nodeWait, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
