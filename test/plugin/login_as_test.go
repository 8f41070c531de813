package plugin

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onsi/gomega"
	clientauthv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/controlplane"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// recordingKubectl runs the real kubectl after writing down what it was
// given: its arguments, and the mode of the kubeconfig they name.
const recordingKubectl = `#!/bin/sh
printf '%s\n' "$@" > "$RECORD/args"
for a in "$@"; do
	case "$a" in --kubeconfig=*) kubeconfig="${a#--kubeconfig=}" ;; esac
done
echo "$kubeconfig" > "$RECORD/kubeconfig"
stat -c '%a' "$kubeconfig" > "$RECORD/mode"
exec "$REAL_KUBECTL" "$@"
`

// TestLoginAsActsThroughTheIssuer: an owner logs in as a manager of her
// account with her own password and runs kubectl as him, the API server
// naming her as the actor; she may not as an owner or as someone of
// another account, and a manager may not at all. Nothing relies on the
// Kubernetes impersonate verb, which nobody holds.
func TestLoginAsActsThroughTheIssuer(t *testing.T) {
	g := gomega.NewWithT(t)
	createAccount(t, "login-as")
	createAccount(t, "login-as-other")
	lea := newOwner("login-as", "lea")
	dora := newOwner("login-as", "dora")
	kai := newOwner("login-as-other", "kai")
	jay := testsupport.NewUser("login-as", "jay", "jay@login-as.example")
	for _, u := range []*iamv1alpha1.User{lea, dora, kai, jay} {
		key := testsupport.CreateUser(t, k8s, u)
		acceptInvitation(t, u.Spec.Email)
		g.Eventually(func(g gomega.Gomega) {
			g.Expect(testsupport.GetUser(g, k8s, key).Status.Phase).To(gomega.Equal(iamv1alpha1.UserPhaseActive))
		}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())
	}

	record := t.TempDir()
	wrapper := filepath.Join(t.TempDir(), "kubectl")
	g.Expect(os.WriteFile(wrapper, []byte(recordingKubectl), 0o700)).To(gomega.Succeed())
	// The plugin's temporary directory is the test's, to see it removed.
	tmp := t.TempDir()
	env := []string{"TENANTRY_PASSWORD=" + password, "RECORD=" + record, "REAL_KUBECTL=" + kubectlPath, "TMPDIR=" + tmp}
	loginAs := func(actor *iamv1alpha1.User, target string, kubectlArgs ...string) result {
		args := []string{"login-as", target, "-n", actor.Namespace, "--server", selfService.url,
			"--email", actor.Spec.Email, "--certificate-authority", selfService.cert.CAFile, "--kubectl", wrapper}
		if kubectlArgs != nil {
			args = append(append(args, "--"), kubectlArgs...)
		}
		return runEnv(t, env, args...)
	}

	// The API server fetches the issuer's keys in the background; until
	// then it answers Unauthorized, and kubectl exits with 1.
	var who struct {
		Status struct {
			UserInfo struct {
				Username string              `json:"username"`
				Extra    map[string][]string `json:"extra"`
			} `json:"userInfo"`
		} `json:"status"`
	}
	g.Eventually(func(g gomega.Gomega) {
		r := loginAs(lea, "jay", "auth", "whoami", "-o", "json")
		g.Expect(r.err).NotTo(gomega.HaveOccurred(), r.stderr)
		g.Expect(json.Unmarshal([]byte(r.stdout), &who)).To(gomega.Succeed())
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())
	g.Expect(who.Status.UserInfo.Username).To(gomega.Equal(jay.Spec.Email))
	g.Expect(who.Status.UserInfo.Extra).To(gomega.HaveKeyWithValue(controlplane.ActExtraKey, []string{lea.Spec.Email}))

	// The token was in a kubeconfig only its owner reads, never in
	// kubectl's arguments (which every user of the machine sees), and the
	// kubeconfig is gone.
	args, err := os.ReadFile(filepath.Join(record, "args"))
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(string(args)).NotTo(gomega.ContainSubstring("eyJ"), "a JWT on kubectl's command line")
	g.Expect(string(args)).NotTo(gomega.ContainSubstring("--token"))
	mode, err := os.ReadFile(filepath.Join(record, "mode"))
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(strings.TrimSpace(string(mode))).To(gomega.Equal("600"))
	kubeconfig, err := os.ReadFile(filepath.Join(record, "kubeconfig"))
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(strings.TrimSpace(string(kubeconfig))).To(gomega.HavePrefix(tmp))
	g.Expect(os.ReadDir(tmp)).To(gomega.BeEmpty(), "the temporary kubeconfig is removed")

	// Once kubectl has exited, the "log in as" session has ended, and the
	// owner's own session with it.
	g.Eventually(func(g gomega.Gomega) []string { return testsupport.EventsOn(g, k8s, jay) }).WithTimeout(testsupport.Timeout).
		Should(gomega.ContainElement(gomega.And(gomega.HavePrefix("ImpersonationEnded: "), gomega.ContainSubstring(lea.Spec.Email))))
	g.Eventually(func() int { return loggedOut(lea) }).WithTimeout(testsupport.Timeout).Should(gomega.BeNumerically(">=", 1))

	// jay's rights, not lea's: a manager creates no users, and kubectl's
	// refusal and exit code come through.
	r := loginAs(lea, "jay", "auth", "can-i", "create", "users.iam.tenantry.io", "-n", "login-as")
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(strings.TrimSpace(r.stdout)).To(gomega.Equal("no"))

	// Without kubectl's arguments, an ExecCredential of jay's naming lea.
	r = loginAs(lea, "jay")
	g.Expect(r.err).NotTo(gomega.HaveOccurred(), r.stderr)
	cred := clientauthv1.ExecCredential{}
	g.Expect(json.Unmarshal([]byte(r.stdout), &cred)).To(gomega.Succeed())
	g.Expect(cred.Kind).To(gomega.Equal("ExecCredential"))
	g.Expect(cred.Status.ExpirationTimestamp).NotTo(gomega.BeNil())
	claims := claimsOf(g, cred.Status.Token)
	g.Expect(claims).To(gomega.HaveKeyWithValue("email", jay.Spec.Email))
	g.Expect(claims).To(gomega.HaveKeyWithValue("act", gomega.HaveKeyWithValue("email", lea.Spec.Email)))

	// Refused: an owner, someone of another account, and anyone by a
	// user who manages no users. kubectl is never run.
	g.Expect(os.Remove(filepath.Join(record, "args"))).To(gomega.Succeed())
	for _, refused := range []struct {
		actor  *iamv1alpha1.User
		target string
		reason string
	}{
		{lea, "dora", "ImpersonationNotAllowed"},
		{lea, kai.Name, "UserNotFound"},
		{jay, "lea", "ImpersonationForbidden"},
	} {
		r := loginAs(refused.actor, refused.target, "auth", "whoami")
		g.Expect(r.err).To(gomega.HaveOccurred(), "%s logs in as %s", refused.actor.Name, refused.target)
		g.Expect(r.stderr).To(gomega.ContainSubstring("log in to %s as %s: ", refused.actor.Namespace, refused.target))
		g.Expect(r.stderr).To(gomega.ContainSubstring(refused.reason))
	}
	g.Expect(filepath.Join(record, "args")).NotTo(gomega.BeAnExistingFile())

	r = run(t, "login-as", "jay", "-n", "login-as", "--email", lea.Spec.Email)
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring("--server and --email are required"))
}

func newOwner(account, name string) *iamv1alpha1.User {
	u := testsupport.NewUser(account, name, name+"@"+account+".example")
	u.Spec.Role = "owner"
	return u
}

// claimsOf reads a token's claims without checking the signature: the API
// server checks it; the test looks at what it says.
func claimsOf(g gomega.Gomega, token string) map[string]any {
	parts := strings.Split(token, ".")
	g.Expect(parts).To(gomega.HaveLen(3), "not a JWT")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	g.Expect(err).NotTo(gomega.HaveOccurred())
	claims := map[string]any{}
	g.Expect(json.Unmarshal(raw, &claims)).To(gomega.Succeed())
	return claims
}

// loggedOut counts the manager's "Logged out" lines for the user.
func loggedOut(user *iamv1alpha1.User) int {
	n := 0
	for _, line := range strings.Split(managerLog.String(), "\n") {
		if strings.Contains(line, "Logged out") && strings.Contains(line, `"namespace": "`+user.Namespace+`"`) &&
			strings.Contains(line, `"user": "`+user.Name+`"`) {
			n++
		}
	}
	return n
}
