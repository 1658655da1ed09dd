// A multi-call binary holding every Kubernetes component the node runs (like the old hyperkube): the
// component is chosen by the name it is called by (kube-apiserver, kubelet, kubectl, ... are symlinks to it)
// or by its first argument. One binary shares the common libraries and is ~4x smaller than seven.
// Plus kms-wait, the entrypoint's waits and the node routes (wait.go, routes.go), and kms-join, how an agent
// joins with k3s's --server and --token (join.go).
// build.sh copies this folder into a writable copy of the k8s.io/kubernetes module as cmd/kms-kubernetes.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	_ "time/tzdata" // for CronJob time zone support

	"github.com/spf13/cobra"
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubeadm "k8s.io/kubernetes/cmd/kubeadm/app"
	kubeadmerrors "k8s.io/kubernetes/cmd/kubeadm/app/util/errors"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

func runCobra(newCommand func() *cobra.Command) int { return cli.Run(newCommand()) }

var components = map[string]func() int{
	"kube-apiserver":          func() int { return runCobra(apiserver.NewAPIServerCommand) },
	"kube-controller-manager": func() int { return runCobra(controllermanager.NewControllerManagerCommand) },
	"kube-scheduler": func() int {
		return runCobra(func() *cobra.Command { return scheduler.NewSchedulerCommand() })
	},
	"kubelet": func() int {
		return runCobra(func() *cobra.Command { return kubelet.NewKubeletCommand(context.Background()) })
	},
	"kube-proxy": func() int { return runCobra(proxy.NewProxyCommand) },
	"kubectl": func() int {
		logs.GlogSetter(kubectlcmd.GetLogVerbosity(os.Args)) // nolint:errcheck
		if err := cli.RunNoErrOutput(kubectlcmd.NewDefaultKubectlCommand()); err != nil {
			kubectlutil.CheckErr(err)
		}
		return 0
	},
	"kubeadm": func() int {
		kubeadmerrors.HandleError(kubeadm.Run())
		return 0
	},
	"kms-wait": kmsWait,
	"kms-join": kmsJoin,
}

func main() {
	name := filepath.Base(os.Args[0])
	if _, ok := components[name]; !ok && len(os.Args) > 1 {
		// Called as `kms-kubernetes <component> args...`: shift the component name into argv[0].
		name = os.Args[1]
		os.Args = append([]string{name}, os.Args[2:]...)
	}
	run, ok := components[name]
	if !ok {
		names := make([]string, 0, len(components))
		for n := range components {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(os.Stderr, "usage: kms-kubernetes <component> [args]; components: %v\n", names)
		os.Exit(2)
	}
	os.Exit(run())
}
