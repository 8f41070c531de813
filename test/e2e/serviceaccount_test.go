package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// The manager runs as the ServiceAccount the installer creates, with the
// installer's RBAC and nothing more, so that every test of this package
// also proves the shipped RBAC is enough, and the privilege tests prove it
// is not more than that.
const (
	managerNamespace      = "tenantry-system"
	managerServiceAccount = "tenantry-controller-manager"
	// managerTokenLifetime outlasts the whole suite: the manager has no
	// kubelet to refresh its token.
	managerTokenLifetime = 3 * time.Hour
)

// managerToken is the manager's ServiceAccount token, for the tests that
// try what a thief of it could do.
var managerToken string

// rbacKinds are the documents of the installer that give the manager its
// rights.
var rbacKinds = map[string]bool{
	"ServiceAccount": true, "ClusterRole": true, "ClusterRoleBinding": true, "Role": true, "RoleBinding": true,
}

// installManagerRBAC applies the RBAC of config/default (what
// dist/install.yaml holds) with the real kubectl, as installing the
// operator does.
func installManagerRBAC() error {
	out, err := exec.Command(kubectlPath, "kustomize", filepath.Join("..", "..", "config", "default")).Output()
	if err != nil {
		return fmt.Errorf("render config/default: %w", err)
	}
	var docs []string
	for _, doc := range strings.Split(string(out), "\n---\n") {
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			return fmt.Errorf("read the installer: %w", err)
		}
		if rbacKinds[meta.Kind] {
			docs = append(docs, doc)
		}
	}
	apply := exec.Command(kubectlPath, "--kubeconfig", kubeconfigPath, "apply", "-f", "-")
	apply.Stdin = strings.NewReader(strings.Join(docs, "\n---\n"))
	var stderr bytes.Buffer
	apply.Stderr = &stderr
	if err := apply.Run(); err != nil {
		return fmt.Errorf("apply the installer's RBAC: %w\n%s", err, stderr.String())
	}
	return nil
}

// managerConfig returns a config that authenticates as the manager's
// ServiceAccount, with a token from the TokenRequest API, as a pod of the
// Deployment would hold.
func managerConfig(admin *rest.Config) (*rest.Config, error) {
	clientset, err := kubernetes.NewForConfig(admin)
	if err != nil {
		return nil, err
	}
	seconds := int64(managerTokenLifetime.Seconds())
	tr, err := clientset.CoreV1().ServiceAccounts(managerNamespace).CreateToken(context.Background(), managerServiceAccount,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds}}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("request a token for %s/%s: %w", managerNamespace, managerServiceAccount, err)
	}
	managerToken = tr.Status.Token
	return &rest.Config{
		Host:            admin.Host,
		BearerToken:     tr.Status.Token,
		TLSClientConfig: rest.TLSClientConfig{CAData: admin.CAData},
		QPS:             admin.QPS,
		Burst:           admin.Burst,
	}, nil
}

// rbacRefusal is how the API server's authorizer words a refusal:
// `... is forbidden: User "system:serviceaccount:..." cannot create resource
// "..."`. A namespace being deleted refuses new objects as "forbidden" too,
// for another reason.
var rbacRefusal = regexp.MustCompile(`forbidden: User \\?"[^"\\]*\\?" cannot `)

// forbiddenLines returns the manager's log lines that tell of a request the
// API server refused for want of a right.
func forbiddenLines(log string) []string {
	var lines []string
	for _, line := range strings.Split(log, "\n") {
		if rbacRefusal.MatchString(line) {
			lines = append(lines, line)
		}
	}
	return lines
}
