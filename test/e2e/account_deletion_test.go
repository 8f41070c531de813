package e2e

import (
	"context"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

const (
	roles      = "../../config/roles"
	carolEmail = "carol@globex.example"
)

// globex is an account of its own, apart from the samples' acme, so that
// deleting it touches no other test: an owner and a manager, and two
// refills of the owner's balance.
const globex = `apiVersion: v1
kind: Namespace
metadata:
  name: globex
---
apiVersion: iam.tenantry.io/v1alpha1
kind: User
metadata:
  name: carol
  namespace: globex
spec:
  fullName: Carol Example
  email: carol@globex.example
  role: owner
---
apiVersion: iam.tenantry.io/v1alpha1
kind: User
metadata:
  name: dave
  namespace: globex
spec:
  fullName: Dave Example
  email: dave@globex.example
  role: manager
---
apiVersion: iam.tenantry.io/v1alpha1
kind: BalanceTransaction
metadata:
  name: carol-refill-1
  namespace: globex
spec:
  user: carol
  type: Refill
  amount: "40.00"
  currency: USD
---
apiVersion: iam.tenantry.io/v1alpha1
kind: BalanceTransaction
metadata:
  name: carol-refill-2
  namespace: globex
spec:
  user: carol
  type: Refill
  amount: "2.50"
  currency: USD
`

// TestDeleteAccountWithKubectl deletes a whole account with
// `kubectl delete namespace`, webhooks on, and checks that it finishes and
// leaves nothing of the account behind: the namespace controller deletes
// the users past the last-owner rule and the transactions past the
// latest-only rule, and the operator's finalizers let them go.
func TestDeleteAccountWithKubectl(t *testing.T) {
	g := NewWithT(t)
	mustKubectl(t, "apply", "-k", roles)
	out, err := kubectl(t, globex, "apply", "-f", "-")
	g.Expect(err).NotTo(HaveOccurred(), out)
	// Should a step fail, the account must not linger for the tests after
	// this one (kubectl get users -A); when all passed, it is gone already.
	// The test's context has ended by then, so this kubectl runs on its own.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), kubectlTimeout)
		defer cancel()
		_ = exec.CommandContext(ctx, kubectlPath, "--kubeconfig", kubeconfigPath,
			"delete", "namespace", "globex", "--ignore-not-found", "--wait=false").Run()
	})

	// carol accepts her invitation, so she is Active and bound to her role.
	mustKubectl(t, "wait", "--for=condition=InvitationDelivered", "user/carol", "-n", "globex", "--timeout=60s")
	waitForSelfService(g)
	status, answer := postAccept(t, invitationToken(g, carolEmail), strongPassword)
	g.Expect(status).To(Equal(http.StatusOK), "answer: %v", answer)
	mustKubectl(t, "wait", "--for=condition=Ready", "user/carol", "-n", "globex", "--timeout=60s")
	mustKubectl(t, "wait", "--for=jsonpath={.status.balance.amount}=42.50", "user/carol", "-n", "globex", "--timeout=60s")
	g.Expect(mustKubectl(t, "get", "balancetransactions", "-n", "globex", "-o", "jsonpath={.items[*].status.phase}")).
		To(Equal("Applied Applied"))

	// Everything whose absence is checked below exists now, so its absence
	// afterwards means something.
	mustKubectl(t, "get", "secret", "globex.carol", "-n", "tenantry-system")
	mustKubectl(t, "get", "rolebinding", "tenantry:user:carol", "-n", "globex")
	g.Expect(canI(t, carolEmail, "create", "users.iam.tenantry.io", "globex")).To(Equal("yes"))
	// The webhooks are on: carol alone could not be deleted.
	g.Expect(kubectlFails(t, "", "delete", "user", "carol", "-n", "globex")).To(ContainSubstring("last-owner rule"))

	// kubectl waits until the namespace is gone; --timeout is the deadline,
	// shorter than kubectlTimeout so that kubectl itself says it ran out.
	start := time.Now()
	out = mustKubectl(t, "delete", "namespace", "globex", "--timeout=60s")
	g.Expect(out).To(ContainSubstring(`namespace "globex" deleted`))
	t.Logf("namespace globex was gone after %s", time.Since(start).Round(time.Millisecond))
	g.Expect(kubectlFails(t, "", "get", "namespace", "globex")).To(ContainSubstring("NotFound"))

	for _, kind := range []string{"users", "balancetransactions", "secrets", "rolebindings"} {
		out := mustKubectl(t, "get", kind, "-n", "globex", "-o", "name")
		g.Expect(strings.TrimSpace(out)).To(BeEmpty(), "%s left in the deleted account", kind)
	}
	g.Expect(mustKubectl(t, "get", "users", "-A")).NotTo(ContainSubstring("globex"))
	// carol's credentials lived in the operator's namespace and went with her.
	g.Expect(kubectlFails(t, "", "get", "secret", "globex.carol", "-n", "tenantry-system")).To(ContainSubstring("NotFound"))
	g.Expect(canI(t, carolEmail, "create", "users.iam.tenantry.io", "globex")).To(Equal("no"))
}

// invitationToken is the token of the one invitation mailed to email.
func invitationToken(g Gomega, email string) string {
	_, token := invitationMail(g, email)
	return token
}

// invitationMail is the text of the one invitation mailed to email, and
// the token of its link.
func invitationMail(g Gomega, email string) (text, token string) {
	var texts []string
	for _, msg := range catcher.Messages() {
		if slices.Contains(msg.To, email) {
			text, err := msg.TextBody()
			g.Expect(err).NotTo(HaveOccurred())
			texts = append(texts, text)
		}
	}
	g.Expect(texts).To(HaveLen(1), "exactly one invitation to %s", email)
	match := tokenPattern.FindStringSubmatch(texts[0])
	g.Expect(match).NotTo(BeNil(), "the mail has an invitation link:\n%s", texts[0])
	return texts[0], match[1]
}

// canI asks the API server whether the person with that email may do verb
// on resource in namespace, as they would be authorised.
func canI(t *testing.T, as, verb, resource, namespace string) string {
	t.Helper()
	out, _ := kubectl(t, "", "auth", "can-i", verb, resource, "-n", namespace, "--as", as)
	return strings.TrimSpace(out)
}
