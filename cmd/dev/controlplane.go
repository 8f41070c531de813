package main

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tenantry-io/tenantry/internal/operator"
)

// controlPlane is etcd and kube-apiserver with the CRDs installed, as
// envtest runs them for the tests. There is no controller manager, so
// nothing garbage-collects and namespaces never finish terminating.
type controlPlane struct {
	env *envtest.Environment
	cfg *rest.Config
}

func startControlPlane(ws workspace) (*controlPlane, error) {
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(ws.root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: ws.assets,
		// The webhook configurations of config/webhook, pointed at a local
		// port with a certificate envtest makes, as in the tests.
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			Paths: []string{filepath.Join(ws.root, "config", "webhook", "manifests.yaml")},
		},
	}
	cfg, err := env.Start()
	if err != nil {
		// Start may have launched etcd before failing; stop what runs.
		_ = env.Stop()
		return nil, fmt.Errorf("start the control plane: %w", err)
	}
	cp := &controlPlane{env: env, cfg: cfg}
	if err := writeKubeconfig(env, ws.kubeconfig); err != nil {
		cp.stop()
		return nil, err
	}
	return cp, nil
}

// writeKubeconfig gives the person at the terminal their own admin user,
// separate from the operator's, so what they do shows up under a name of
// its own in the API server.
func writeKubeconfig(env *envtest.Environment, path string) error {
	user, err := env.AddUser(envtest.User{Name: "dev-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add the dev-admin user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("render the kubeconfig: %w", err)
	}
	// It holds the admin's private key.
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// serveWebhooksLocally points the operator's webhook server where the
// control plane's webhook configurations send admission requests.
func (cp *controlPlane) serveWebhooksLocally(o *operator.Options) {
	webhooks := cp.env.WebhookInstallOptions
	o.Webhook.Host = webhooks.LocalServingHost
	o.Webhook.Port = webhooks.LocalServingPort
	o.Webhook.CertDir = webhooks.LocalServingCertDir
	o.Webhook.Certs = operator.WebhookCertsFiles
}

func (cp *controlPlane) stop() {
	say("Stopping the control plane...")
	if err := cp.env.Stop(); err != nil {
		say("Could not stop the control plane cleanly: %v", err)
		return
	}
	say("Stopped the control plane.")
}
