package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// loginAsName names the cluster, user and context of the temporary
// kubeconfig.
const loginAsName = "tenantry-login-as"

// runKubectlWithToken runs kubectl with args as the bearer of token, in the
// account by default, and returns its exit code. The token goes into a
// kubeconfig only the caller may read, never onto a command line, where
// every user of the machine could read it (ps, /proc).
func (o *options) runKubectlWithToken(ctx context.Context, kubectl, account, token string, args []string) (int, error) {
	dir, err := os.MkdirTemp("", "kubectl-tenantry-login-as-")
	if err != nil {
		return 0, fmt.Errorf("make a directory for the kubeconfig: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := o.writeTokenKubeconfig(kubeconfig, account, token); err != nil {
		return 0, err
	}
	run := exec.Command(kubectl, append([]string{"--kubeconfig=" + kubeconfig}, args...)...)
	run.Stdin, run.Stdout, run.Stderr = o.streams.In, o.streams.Out, o.streams.ErrOut
	if err := run.Start(); err != nil {
		return 0, fmt.Errorf("run %s: %w", kubectl, err)
	}
	// An interrupt reaches kubectl from the terminal, or is handed on to
	// it here; either way this process outlives kubectl, to end the
	// sessions and remove the kubeconfig.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	done := make(chan error, 1)
	go func() { done <- run.Wait() }()
	stop := ctx.Done()
	for {
		select {
		case sig := <-signals:
			_ = run.Process.Signal(sig)
		case <-stop:
			_ = run.Process.Signal(os.Interrupt)
			stop = nil
		case err := <-done:
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return exit.ExitCode(), nil
			}
			if err != nil {
				return 0, fmt.Errorf("run %s: %w", kubectl, err)
			}
			return 0, nil
		}
	}
}

// writeTokenKubeconfig writes, readable by the caller alone, a kubeconfig
// for the cluster this command's kubeconfig and flags pick, with the token
// as its user and the account as its namespace.
func (o *options) writeTokenKubeconfig(path, account, token string) error {
	cfg, err := o.config.ToRESTConfig()
	if err != nil {
		return fmt.Errorf("find the cluster in the kubeconfig: %w", err)
	}
	config := clientcmdapi.NewConfig()
	config.Clusters[loginAsName] = &clientcmdapi.Cluster{
		Server:                   cfg.Host,
		CertificateAuthority:     cfg.CAFile,
		CertificateAuthorityData: cfg.CAData,
		InsecureSkipTLSVerify:    cfg.Insecure,
		TLSServerName:            cfg.ServerName,
	}
	config.AuthInfos[loginAsName] = &clientcmdapi.AuthInfo{Token: token}
	config.Contexts[loginAsName] = &clientcmdapi.Context{Cluster: loginAsName, AuthInfo: loginAsName, Namespace: account}
	config.CurrentContext = loginAsName
	data, err := clientcmd.Write(*config)
	if err != nil {
		return fmt.Errorf("render the kubeconfig: %w", err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write the kubeconfig: %w", err)
	}
	return nil
}
