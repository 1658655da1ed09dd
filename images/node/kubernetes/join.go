package main

// kms-join: how an agent joins the server with nothing but k3s's --server URL and --token.
//
//   kms-join bootstrap-token TOKEN
//       prints the Kubernetes bootstrap token (ID.SECRET, [a-z0-9]{6}.[a-z0-9]{16}) that TOKEN stands for. The
//       server creates that bootstrap token; an agent derives the same one from the same TOKEN.
//   kms-join discover --server=URL --token=TOKEN --dir=DIR [--timeout=60s]
//       fetches the cluster-info ConfigMap (kube-public, readable anonymously) from URL without trusting its TLS
//       certificate yet, and trusts it only if its JWS signature for the bootstrap token's ID verifies with the
//       token's secret (which proves the server knows TOKEN) and, when TOKEN is a full k3s token
//       (K10<sha256 of the CA certificate>::<user>:<password>), if the CA it carries has that hash. Then writes
//       DIR/pki/ca.crt and DIR/bootstrap-kubelet.conf (URL, that CA, the bootstrap token), from which the kubelet
//       gets its client certificate by TLS bootstrap (--bootstrap-kubeconfig).
//
// TOKEN: a k3s token, full (K10...::server:PASSWORD) or short (PASSWORD). The password becomes the bootstrap
// token as it is when it already has the bootstrap token format, else ID and SECRET are the first 6 and the next
// 16 hex digits of sha256(PASSWORD).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
	"k8s.io/cluster-bootstrap/token/jws"
)

var bootstrapTokenFormat = regexp.MustCompile(`^([a-z0-9]{6})\.([a-z0-9]{16})$`)
var fullToken = regexp.MustCompile(`^K10([0-9a-f]{64})::[^:]+:(.+)$`)

// joinToken is what a k3s token carries: the password and, in the full form, the CA certificate's hash.
type joinToken struct {
	id, secret string
	caHash     string // hex sha256 of the CA certificate (PEM), or "" when the token does not pin it
}

func parseToken(token string) (joinToken, error) {
	password, caHash := token, ""
	if m := fullToken.FindStringSubmatch(token); m != nil {
		caHash, password = m[1], m[2]
	} else if strings.HasPrefix(token, "K10") {
		return joinToken{}, fmt.Errorf("token starts with K10 but is not K10<64 hex digits>::<user>:<password>")
	}
	if password == "" {
		return joinToken{}, fmt.Errorf("empty token")
	}
	if m := bootstrapTokenFormat.FindStringSubmatch(password); m != nil {
		return joinToken{id: m[1], secret: m[2], caHash: caHash}, nil
	}
	sum := sha256.Sum256([]byte(password))
	digits := hex.EncodeToString(sum[:])
	return joinToken{id: digits[:6], secret: digits[6:22], caHash: caHash}, nil
}

func kmsJoin() int {
	args := os.Args[1:]
	if len(args) == 2 && args[0] == "bootstrap-token" {
		token, err := parseToken(args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Printf("%s.%s\n", token.id, token.secret)
		return 0
	}
	if len(args) > 0 && args[0] == "discover" {
		flags := map[string]string{"--timeout": "60s"}
		for _, arg := range args[1:] {
			key, value, ok := strings.Cut(arg, "=")
			if !ok {
				fmt.Fprintf(os.Stderr, "kms-join discover: %s: flags are --name=value\n", arg)
				return 2
			}
			flags[key] = value
		}
		timeout, err := time.ParseDuration(flags["--timeout"])
		if err == nil {
			err = discover(flags["--server"], flags["--token"], flags["--dir"], timeout)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "kms-join discover: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintln(os.Stderr, "usage: kms-join bootstrap-token TOKEN | kms-join discover --server=URL --token=TOKEN --dir=DIR [--timeout=60s]")
	return 2
}

func discover(server, rawToken, dir string, timeout time.Duration) error {
	if server == "" || rawToken == "" || dir == "" {
		return fmt.Errorf("--server, --token and --dir are required")
	}
	token, err := parseToken(rawToken)
	if err != nil {
		return err
	}
	// Anonymous and without verifying the server's certificate: what comes back is trusted only once its
	// signature (and the CA hash, if pinned) checks out below.
	insecure := &rest.Config{Host: server, TLSClientConfig: rest.TLSClientConfig{Insecure: true}, Timeout: 5 * time.Second}
	client, err := kubernetes.NewForConfig(insecure)
	if err != nil {
		return err
	}
	var content string
	var last error
	err = wait.PollUntilContextTimeout(context.Background(), 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		cm, err := client.CoreV1().ConfigMaps(metav1.NamespacePublic).Get(ctx, bootstrapapi.ConfigMapClusterInfo, metav1.GetOptions{})
		if err != nil {
			last = err
			return false, nil
		}
		signature, ok := cm.Data[bootstrapapi.JWSSignatureKeyPrefix+token.id]
		if !ok { // the bootstrap signer adds it a moment after the token exists
			last = fmt.Errorf("cluster-info has no signature for token ID %s (yet)", token.id)
			return false, nil
		}
		content = cm.Data[bootstrapapi.KubeConfigKey]
		if !jws.DetachedTokenIsValid(signature, content, token.id, token.secret) {
			return false, fmt.Errorf("the cluster-info signature does not verify with this token: wrong token, or not this cluster")
		}
		return true, nil
	})
	if err != nil {
		if last != nil && wait.Interrupted(err) {
			return fmt.Errorf("no signed cluster-info from %s within %s: %v", server, timeout, last)
		}
		return err
	}
	info, err := clientcmd.Load([]byte(content))
	if err != nil {
		return fmt.Errorf("the kubeconfig in cluster-info: %w", err)
	}
	var ca []byte
	for _, cluster := range info.Clusters {
		ca = cluster.CertificateAuthorityData
	}
	if len(ca) == 0 {
		return fmt.Errorf("cluster-info carries no CA certificate")
	}
	if token.caHash != "" {
		sum := sha256.Sum256(ca)
		if got := hex.EncodeToString(sum[:]); got != token.caHash {
			return fmt.Errorf("the cluster's CA certificate has hash %s, the token pins %s", got, token.caHash)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "pki"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "pki", "ca.crt"), ca, 0o644); err != nil {
		return err
	}
	bootstrap := clientcmdapi.NewConfig()
	bootstrap.Clusters["default"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	bootstrap.AuthInfos["tls-bootstrap"] = &clientcmdapi.AuthInfo{Token: token.id + "." + token.secret}
	bootstrap.Contexts["default"] = &clientcmdapi.Context{Cluster: "default", AuthInfo: "tls-bootstrap"}
	bootstrap.CurrentContext = "default"
	if err := clientcmd.WriteToFile(*bootstrap, filepath.Join(dir, "bootstrap-kubelet.conf")); err != nil {
		return err
	}
	pinned := "not pinned by the token"
	if token.caHash != "" {
		pinned = "matches the token's pin"
	}
	fmt.Printf("trusted the cluster at %s: cluster-info signed for token %s; CA %s\n", server, token.id, pinned)
	return nil
}
