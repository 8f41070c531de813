package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tenantry-io/tenantry/internal/controlplane"
	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// The self-service API is the cluster's token issuer: it serves https with
// a certificate from a CA of this run, which the API server trusts.
var (
	selfServiceAddr   string
	selfServiceCert   controlplane.ServingCert
	selfServiceClient *http.Client
	// tokenKubeconfigPath names the cluster and no user, so that kubectl
	// authenticates with --token alone, as a person's would.
	tokenKubeconfigPath string
)

// trustIssuer reserves the self-service address, makes its certificate and
// starts the API server with an AuthenticationConfiguration that trusts it,
// with no identity prefix, as the manager binds users by default.
func trustIssuer(env *envtest.Environment, dir string) error {
	var err error
	if selfServiceAddr, err = testsupport.ReservedLoopbackAddr(); err != nil {
		return err
	}
	selfServiceURL = "https://" + selfServiceAddr
	if selfServiceCert, err = controlplane.WriteServingCert(dir); err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(selfServiceCert.CAPEM)
	selfServiceClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	config := controlplane.AuthenticationConfig(controlplane.JWTIssuer{URL: selfServiceURL, Audience: "kubernetes", CAPEM: selfServiceCert.CAPEM})
	path := filepath.Join(dir, "authentication-config.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return err
	}
	env.ControlPlane.GetAPIServer().Configure().Set("authentication-config", path)
	return nil
}

// writeTokenKubeconfig copies the admin's kubeconfig without its user.
func writeTokenKubeconfig(adminKubeconfig, dir string) (string, error) {
	config, err := clientcmd.LoadFromFile(adminKubeconfig)
	if err != nil {
		return "", err
	}
	for name := range config.AuthInfos {
		config.AuthInfos[name] = clientcmdapi.NewAuthInfo()
	}
	path := filepath.Join(dir, "token-kubeconfig")
	if err := clientcmd.WriteToFile(*config, path); err != nil {
		return "", fmt.Errorf("write the token kubeconfig: %w", err)
	}
	return path, nil
}

// createSystemNamespace creates the manager's namespace, where its signing
// keys live, as installing the operator does.
func createSystemNamespace(cfg *rest.Config) error {
	c, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		return err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "tenantry-system"}}
	if err := c.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace tenantry-system: %w", err)
	}
	return nil
}
