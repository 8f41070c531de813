package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// workspace is where the dev environment keeps its files: .dev/ in the
// repository root, found from the working directory so that the binary
// works from any subdirectory, and the control plane binaries.
type workspace struct {
	root       string
	kubeconfig string
	mailDir    string
	// controllersLog is kube-controller-manager's log, kept after the run.
	controllersLog string
	assets         string
	kubectl        string
	// tlsDir holds the self-service API's certificate and its CA, made
	// afresh by every run; authenticationConfig is the API server's trust
	// in the operator's token issuer.
	tlsDir               string
	authenticationConfig string
}

// devDirName and mailDirName are where the environment keeps its files and
// its mail, under the repository root.
const (
	devDirName  = ".dev"
	mailDirName = "mail"
)

func newWorkspace() (workspace, error) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		return workspace{}, errors.New("KUBEBUILDER_ASSETS is not set; run `make dev`, " +
			"which builds kube-apiserver, kube-controller-manager, etcd and kubectl and points KUBEBUILDER_ASSETS at them")
	}
	assets, err := filepath.Abs(assets)
	if err != nil {
		return workspace{}, err
	}
	for _, bin := range []string{"kube-apiserver", "kube-controller-manager", "etcd", "kubectl"} {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			return workspace{}, fmt.Errorf("KUBEBUILDER_ASSETS=%s has no %s; run `make dev`, which builds it", assets, bin)
		}
	}
	root, err := repoRoot()
	if err != nil {
		return workspace{}, err
	}
	dev := filepath.Join(root, devDirName)
	ws := workspace{
		root:           root,
		kubeconfig:     filepath.Join(dev, "kubeconfig"),
		mailDir:        filepath.Join(dev, mailDirName),
		controllersLog: filepath.Join(dev, "kube-controller-manager.log"),
		assets:         assets,
		kubectl:        filepath.Join(assets, "kubectl"),

		tlsDir:               filepath.Join(dev, "tls"),
		authenticationConfig: filepath.Join(dev, "authentication-config.yaml"),
	}
	// Mail from an earlier run would be mistaken for this run's: its links
	// point at a control plane that no longer exists.
	if err := os.RemoveAll(ws.mailDir); err != nil {
		return workspace{}, fmt.Errorf("clear %s: %w", ws.mailDir, err)
	}
	if err := os.MkdirAll(ws.mailDir, 0o755); err != nil {
		return workspace{}, fmt.Errorf("create %s: %w", ws.mailDir, err)
	}
	return ws, nil
}

// repoRoot walks up from the working directory to the directory holding
// go.mod, where config/ lives.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod in the working directory or above it; run tenantry-dev from the Tenantry repository (`make dev`)")
		}
		dir = parent
	}
}
