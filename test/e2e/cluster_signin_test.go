package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// signinAccounts are two accounts: carol owns the first (erin too, so
// that carol can be disabled), dan manages it; frank belongs to the other.
const signinAccounts = `apiVersion: v1
kind: Namespace
metadata:
  name: signin
---
apiVersion: v1
kind: Namespace
metadata:
  name: signin-other
---
apiVersion: iam.tenantry.io/v1alpha1
kind: User
metadata: {name: carol, namespace: signin}
spec: {fullName: Carol Example, email: carol@signin.example, role: owner}
---
apiVersion: iam.tenantry.io/v1alpha1
kind: User
metadata: {name: erin, namespace: signin}
spec: {fullName: Erin Example, email: erin@signin.example, role: owner}
---
apiVersion: iam.tenantry.io/v1alpha1
kind: User
metadata: {name: dan, namespace: signin}
spec: {fullName: Dan Example, email: dan@signin.example, role: manager}
---
apiVersion: iam.tenantry.io/v1alpha1
kind: User
metadata: {name: frank, namespace: signin-other}
spec: {fullName: Frank Example, email: frank@other.example, role: owner}
`

// newUserYAML is a user kubectl creates with someone's token.
func newUserYAML(namespace, name string) string {
	return fmt.Sprintf(`apiVersion: iam.tenantry.io/v1alpha1
kind: User
metadata: {name: %s, namespace: %s}
spec: {fullName: New Example, email: %s@%s.example, role: manager}
`, name, namespace, name, namespace)
}

// TestClusterSignInWithKubectl: a person logs in to the self-service API,
// takes a token and uses the real kubectl with it alone; RBAC and "log in
// as" behave as docs/guides/identity-and-login-as.md says, and kubectl --as is refused.
func TestClusterSignInWithKubectl(t *testing.T) {
	g := NewWithT(t)
	// The built-in roles, as installing the operator applies them.
	mustKubectl(t, "apply", "-k", "../../config/roles")
	mustKubectlIn(t, signinAccounts, "apply", "-f", "-")
	// The accounts must not linger for the tests after this one (kubectl
	// get users -A): deleted at the end, or here should a step fail. The
	// test's context has ended by then, so this kubectl runs on its own.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), kubectlTimeout)
		defer cancel()
		_ = exec.CommandContext(ctx, kubectlPath, "--kubeconfig", kubeconfigPath,
			"delete", "namespace", "signin", "signin-other", "--ignore-not-found", "--timeout=80s").Run()
	})
	for _, user := range []string{"carol@signin.example", "erin@signin.example", "dan@signin.example", "frank@other.example"} {
		acceptBy(t, user)
	}
	for _, u := range []string{"carol", "erin", "dan"} {
		mustKubectl(t, "wait", "--for=condition=Ready", "user/"+u, "-n", "signin", "--timeout=60s")
	}
	mustKubectl(t, "wait", "--for=condition=Ready", "user/frank", "-n", "signin-other", "--timeout=60s")

	carolSession := logInAs(t, "signin", "carol@signin.example")
	carol := clusterToken(t, carolSession)
	g.Eventually(func() (string, error) { return kubectlWithToken(t, carol, "", "auth", "whoami") }).
		WithTimeout(60 * time.Second).WithPolling(time.Second).Should(ContainSubstring("carol@signin.example"))

	_, err := kubectlWithToken(t, carol, newUserYAML("signin", "gus"), "create", "-f", "-")
	g.Expect(err).NotTo(HaveOccurred(), "an owner creates users in her account")
	out, err := kubectlWithToken(t, carol, newUserYAML("signin-other", "hal"), "create", "-f", "-")
	g.Expect(err).To(HaveOccurred())
	g.Expect(out).To(ContainSubstring("forbidden"), "and none in another account")

	danSession := logInAs(t, "signin", "dan@signin.example")
	dan := clusterToken(t, danSession)
	out, _ = kubectlWithToken(t, dan, "", "auth", "can-i", "create", "users.iam.tenantry.io", "-n", "signin")
	g.Expect(strings.TrimSpace(out)).To(Equal("no"), "a manager creates no users")

	// kubectl --as is refused to everyone: no RBAC grants impersonate,
	// and the operator renders none.
	for _, token := range []string{carol, dan} {
		out, err := kubectlWithToken(t, token, "", "get", "pods", "-n", "signin", "--as", "dan@signin.example")
		g.Expect(err).To(HaveOccurred(), "kubectl --as:\n%s", out)
		g.Expect(out).To(ContainSubstring("cannot impersonate"))
	}
	out, err = kubectl(t, "", "get", "clusterroles,clusterrolebindings", "-o", "name")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).NotTo(ContainSubstring("tenantry:impersonate:"))
	// The upgrade guide's command for what older releases left behind spares the
	// ClusterRoles rendered from Roles.
	g.Expect(mustKubectl(t, "get", "clusterroles", "-l", iamv1alpha1.RoleLabel, "-o", "name")).To(ContainSubstring("clusterrole"))
	out, err = kubectl(t, "", "delete", "clusterrolebinding,clusterrole", "--dry-run=server", "-o", "name",
		"-l", "app.kubernetes.io/managed-by=tenantry,iam.tenantry.io/account,!iam.tenantry.io/service-class")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).NotTo(ContainSubstring("clusterrole"))

	// Log in as dan through the self-service API: the token says dan, with
	// carol as the actor, and the start is on dan's record. carol may not
	// log in as an owner nor as someone of another account, and dan, who
	// manages no users, as nobody.
	for _, refused := range []struct{ session, user, reason string }{
		{carolSession, "erin", "ImpersonationNotAllowed"},
		{carolSession, "frank", "UserNotFound"},
		{danSession, "carol", "ImpersonationForbidden"},
	} {
		a := selfServicePost(t, "/v1/sessions/impersonate", refused.session, map[string]string{"user": refused.user})
		g.Expect(a.str("reason")).To(Equal(refused.reason), a.raw)
	}
	started := selfServicePost(t, "/v1/sessions/impersonate", carolSession, map[string]string{"user": "dan"})
	g.Expect(started.code).To(Equal(http.StatusCreated), started.raw)
	out, err = kubectlWithToken(t, started.str("idToken"), "", "auth", "whoami")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(ContainSubstring("dan@signin.example"))
	g.Expect(out).To(ContainSubstring("carol@signin.example"), "the actor is in the user's extra")
	g.Eventually(func() string { return mustKubectl(t, "describe", "user", "dan", "-n", "signin") }).
		WithTimeout(30 * time.Second).Should(ContainSubstring("ImpersonationStarted"))

	// Disabled, carol's token still authenticates but RBAC refuses it, and
	// she gets no new one: disabling ended her session.
	mustKubectl(t, "patch", "user", "carol", "-n", "signin", "--type=merge", "-p", `{"spec":{"state":"Disabled"}}`)
	g.Eventually(func() string {
		out, _ := kubectlWithToken(t, carol, newUserYAML("signin", "ivy"), "create", "-f", "-")
		return out
	}).WithTimeout(30 * time.Second).Should(ContainSubstring("forbidden"))
	out, err = kubectlWithToken(t, carol, "", "auth", "whoami")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(ContainSubstring("carol@signin.example"))
	g.Eventually(func() int { return selfServicePost(t, "/v1/tokens", carolSession, nil).code }).
		WithTimeout(30 * time.Second).Should(Equal(http.StatusUnauthorized))

	mustKubectl(t, "delete", "namespace", "signin", "signin-other", "--timeout=80s")
}

// acceptBy accepts the invitation mailed to email.
func acceptBy(t *testing.T, email string) {
	t.Helper()
	g := NewWithT(t)
	var token string
	g.Eventually(func(g Gomega) { _, token = invitationMail(g, email) }).WithTimeout(60 * time.Second).Should(Succeed())
	status, answer := postAccept(t, token, strongPassword)
	g.Expect(status).To(Equal(http.StatusOK), "answer: %v", answer)
}

// apiAnswer is a self-service answer.
type apiAnswer struct {
	code int
	body map[string]any
	raw  string
}

func (a apiAnswer) str(field string) string {
	s, _ := a.body[field].(string)
	return s
}

// selfServicePost posts one JSON request to the self-service API.
func selfServicePost(t *testing.T, path, session string, body any) apiAnswer {
	t.Helper()
	raw, _ := json.Marshal(body)
	if body == nil {
		raw = nil
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, selfServiceURL+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.Header.Set("Authorization", "Bearer "+session)
	}
	resp, err := selfServiceClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	a := apiAnswer{code: resp.StatusCode, body: map[string]any{}, raw: buf.String()}
	_ = json.Unmarshal(buf.Bytes(), &a.body)
	return a
}

// logInAs logs a person in and returns the session.
func logInAs(t *testing.T, account, email string) string {
	t.Helper()
	a := selfServicePost(t, "/v1/sessions", "", map[string]string{"account": account, "email": email, "password": strongPassword})
	if a.code != http.StatusCreated {
		t.Fatalf("log in %s: HTTP %d %s", email, a.code, a.raw)
	}
	return a.str("token")
}

// clusterToken asks for a cluster token with a session.
func clusterToken(t *testing.T, session string) string {
	t.Helper()
	var a apiAnswer
	NewWithT(t).Eventually(func() int {
		a = selfServicePost(t, "/v1/tokens", session, nil)
		return a.code
	}).WithTimeout(30 * time.Second).Should(Equal(http.StatusCreated))
	return a.str("token")
}
