package plugin

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

const password = "Corr3ct-Horse-Battery"

var tokenPattern = regexp.MustCompile(`/v1/invitations/accept\?token=([A-Za-z0-9_-]+)`)

// kubectl runs as the person would once set up with the kubectl plugin guide's (docs/guides/kubectl-plugin.md)
// `kubectl config set-credentials ... --exec-command=kubectl-tenantry`.
func TestLoginIsAnExecCredentialPluginForKubectl(t *testing.T) {
	g := gomega.NewWithT(t)
	createAccount(t, "signin")
	key := testsupport.CreateUser(t, k8s, testsupport.NewUser("signin", "kim", "kim@signin.example"))
	acceptInvitation(t, "kim@signin.example")
	g.Eventually(func(g gomega.Gomega) {
		g.Expect(testsupport.GetUser(g, k8s, key).Status.Phase).To(gomega.Equal(iamv1alpha1.UserPhaseActive))
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())

	kubeconfig := execKubeconfig(t, "signin", "kim@signin.example")
	asKim := func(env ...string) (string, string, error) {
		cmd := exec.Command(kubectlPath, "--kubeconfig", kubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
		// The plugin is found on PATH, as kubectl finds it for a person.
		cmd.Env = append(os.Environ(), append(env, "PATH="+filepath.Dir(pluginPath)+":"+os.Getenv("PATH"))...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	// The API server fetches the issuer's keys in the background once the
	// manager serves them; until then it answers Unauthorized.
	g.Eventually(func(g gomega.Gomega) {
		out, stderr, err := asKim("TENANTRY_PASSWORD=" + password)
		g.Expect(err).NotTo(gomega.HaveOccurred(), stderr)
		g.Expect(out).To(gomega.Equal("kim@signin.example"))
	}).WithTimeout(testsupport.Timeout).WithPolling(time.Second).Should(gomega.Succeed())

	_, stderr, err := asKim("TENANTRY_PASSWORD=wrong-password")
	g.Expect(err).To(gomega.HaveOccurred())
	g.Expect(stderr).To(gomega.ContainSubstring("sign in to signin as kim@signin.example: The account, email or password is wrong. (401 LoginFailed)"))

	_, stderr, err = asKim("TENANTRY_PASSWORD=")
	g.Expect(err).To(gomega.HaveOccurred())
	g.Expect(stderr).To(gomega.ContainSubstring("no terminal to ask on: set $TENANTRY_PASSWORD"))

	r := run(t, "login", "--server", selfService.url)
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring("--server, --account and --email are required"))
}

// execKubeconfig is the suite's kubeconfig with a user whose credentials
// come from `kubectl-tenantry login`.
func execKubeconfig(t *testing.T, account, email string) string {
	t.Helper()
	config, err := clientcmd.LoadFromFile(kubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	for name := range config.AuthInfos {
		config.AuthInfos[name] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
			APIVersion: "client.authentication.k8s.io/v1",
			Command:    "kubectl-tenantry",
			Args: []string{"login", "--server=" + selfService.url, "--account=" + account,
				"--email=" + email, "--certificate-authority=" + selfService.cert.CAFile},
			InteractiveMode: clientcmdapi.IfAvailableExecInteractiveMode,
		}}
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*config, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// acceptInvitation sets the person's password with the token from their
// invitation mail, as the link in it does.
func acceptInvitation(t *testing.T, email string) {
	t.Helper()
	g := gomega.NewWithT(t)
	var token string
	g.Eventually(func(g gomega.Gomega) {
		for _, msg := range catcher.Messages() {
			if slices.Contains(msg.To, email) {
				text, err := msg.TextBody()
				g.Expect(err).NotTo(gomega.HaveOccurred())
				match := tokenPattern.FindStringSubmatch(text)
				g.Expect(match).NotTo(gomega.BeNil())
				token = match[1]
			}
		}
		g.Expect(token).NotTo(gomega.BeEmpty())
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(selfService.cert.CAPEM)
	httpClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	body, err := json.Marshal(map[string]string{"token": token, "password": password})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Eventually(func() (int, error) {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost,
			selfService.url+"/v1/invitations/accept", strings.NewReader(string(body)))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := httpClient.Do(req)
		if err != nil {
			return 0, err
		}
		_ = resp.Body.Close()
		return resp.StatusCode, nil
	}).WithTimeout(testsupport.Timeout).Should(gomega.Equal(http.StatusOK))
}
