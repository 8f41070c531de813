package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tenantry-io/tenantry/internal/controlplane"
	"github.com/tenantry-io/tenantry/internal/operator"
)

// controlPlane is etcd and kube-apiserver with the CRDs installed, as
// envtest runs them for the tests, and beside them kube-controller-manager
// with the namespace controller and the garbage collector, so that
// `kubectl delete namespace acme` finishes and owned objects go with their
// owners, as on a cluster.
type controlPlane struct {
	env         *envtest.Environment
	cfg         *rest.Config
	controllers *controlplane.ControllerManager
	// controllersLog is kube-controller-manager's log file.
	controllersLog *os.File
}

// startControlPlane starts it all; with an issuer, the API server trusts
// its tokens.
func startControlPlane(ctx context.Context, ws workspace, issuer *controlplane.JWTIssuer) (*controlPlane, error) {
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
	if err := trustIssuer(env, ws, issuer); err != nil {
		return nil, err
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
	if err := cp.startControllers(ctx, ws.controllersLog); err != nil {
		cp.stop()
		return nil, err
	}
	return cp, nil
}

// startControllers runs kube-controller-manager beside the API server; it
// returns once the namespace controller and the garbage collector work.
func (cp *controlPlane) startControllers(ctx context.Context, logPath string) error {
	log, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("create %s: %w", logPath, err)
	}
	cp.controllersLog = log
	cp.controllers, err = controlplane.StartControllerManager(ctx, cp.env, log)
	if err != nil {
		return fmt.Errorf("%w (its log is %s)", err, logPath)
	}
	return nil
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
	// The controllers go first, so that none of them works against an API
	// server that is going away.
	if cp.controllers != nil {
		if err := cp.controllers.Stop(); err != nil {
			say("Could not stop kube-controller-manager cleanly: %v", err)
		}
	}
	if cp.controllersLog != nil {
		_ = cp.controllersLog.Close()
	}
	if err := cp.env.Stop(); err != nil {
		say("Could not stop the control plane cleanly: %v", err)
		return
	}
	say("Stopped the control plane.")
}
