package e2e

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

const (
	samples        = "../../config/samples"
	aliceEmail     = "alice@acme.example"
	strongPassword = "Corr3ct-Horse-Battery"
)

// invalidUser breaks one rule of the schema: its email is not an address.
const invalidUser = `apiVersion: iam.tenantry.io/v1alpha1
kind: User
metadata:
  name: mallory
  namespace: default
spec:
  fullName: Mallory Example
  email: not-an-email
  role: owner
`

var tokenPattern = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// TestUserLifecycleWithKubectl walks alice from the sample YAML through her
// invitation to Active and out again, using only kubectl, her mail and the
// self-service API. Each step builds on the one before, so the first
// failure ends the walk.
func TestUserLifecycleWithKubectl(t *testing.T) {
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"invalid user is rejected at apply time", rejectInvalidUser},
		{"samples apply and alice is invited", applySamplesUntilInvited},
		{"kubectl get answers the daily questions", getShowsColumns},
		{"accepting the mailed invitation makes alice Ready", acceptMailedInvitation},
		{"alice's mailbox and bob's storage are provisioned from the subscription", servicesProvisioned},
		{"the sample refills make a balance, and the latest can be cancelled", refillAndCancel},
		{"roles show who holds what and grant real access", rolesGrantAccess},
		{"the support team binds its active members", teamBindsActiveMembers},
		{"the last owner cannot be deleted", lastOwnerStays},
		{"deleting alice removes her credentials, access and transactions", deleteUser},
		{"the team names alice as gone and her history stays", historyOutlivesAlice},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			return
		}
	}
}

// servicesProvisioned reads the services as an administrator would: the
// users' Services column, the subscription's usage, and the objects.
func servicesProvisioned(t *testing.T) {
	g := NewWithT(t)
	mustKubectl(t, "wait", "--for=jsonpath={.status.servicesSummary}=mailbox:1", "user/alice", "-n", "acme", "--timeout=60s")
	mustKubectl(t, "wait", "--for=jsonpath={.status.servicesSummary}=storage:1", "user/bob", "-n", "acme", "--timeout=60s")
	g.Expect(mustKubectl(t, "get", "configmap", "alice-mailbox", "-n", "acme", "-o", "jsonpath={.data.address}")).To(Equal(aliceEmail))

	out := mustKubectl(t, "get", "users", "-n", "acme")
	g.Expect(out).To(ContainSubstring("SERVICES"))
	g.Expect(out).To(MatchRegexp(`(?m)^alice\s.*\smailbox:1\s`))
	g.Expect(out).To(MatchRegexp(`(?m)^bob\s.*\sstorage:1\s`))

	g.Eventually(func() string { return mustKubectl(t, "get", "subscriptions", "-n", "acme") }).
		WithTimeout(30 * time.Second).Should(MatchRegexp(`(?m)^basic\s+mailbox:1/5 storage:1/2\s`))
	out = mustKubectl(t, "get", "serviceclasses")
	g.Expect(out).To(MatchRegexp(`(?m)^mailbox\s+Mailbox\s+mailbox\s+ConfigMap\s+True\s`))
}

func rejectInvalidUser(t *testing.T) {
	g := NewWithT(t)
	out := kubectlFails(t, invalidUser, "apply", "--dry-run=server", "-f", "-")
	g.Expect(out).To(ContainSubstring("spec.email"), "the rejection names the field")
	g.Expect(out).To(ContainSubstring("email must be a valid address"), "the rejection names the rule")

	// Without --dry-run the API server refuses it just the same.
	out = kubectlFails(t, invalidUser, "apply", "-f", "-")
	g.Expect(out).To(ContainSubstring("email must be a valid address"))

	out = mustKubectl(t, "get", "users", "-A")
	g.Expect(out).To(ContainSubstring("No resources found"))
}

func applySamplesUntilInvited(t *testing.T) {
	g := NewWithT(t)
	out := mustKubectl(t, "apply", "-k", samples)
	g.Expect(out).To(ContainSubstring("namespace/acme created"))
	g.Expect(out).To(ContainSubstring("user.iam.tenantry.io/alice created"))
	g.Expect(out).To(ContainSubstring("user.iam.tenantry.io/bob created"))
	// Another test may have applied the built-in roles first.
	g.Expect(out).To(MatchRegexp(`role\.iam\.tenantry\.io/owner (created|unchanged)`))

	mustKubectl(t, "wait", "--for=jsonpath={.status.phase}=Invited", "user/alice", "-n", "acme", "--timeout=60s")
}

func getShowsColumns(t *testing.T) {
	g := NewWithT(t)
	out := mustKubectl(t, "get", "users", "-n", "acme")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	g.Expect(lines).To(HaveLen(3), "a header, alice and bob:\n%s", out)
	header, row := lines[0], lines[1]
	for _, column := range []string{"NAME", "FULL NAME", "EMAIL", "ROLE", "PHASE", "AGE"} {
		g.Expect(header).To(ContainSubstring(column))
	}
	g.Expect(row).To(HavePrefix("alice "))
	for _, value := range []string{"Alice Example", aliceEmail, "owner", "Invited"} {
		g.Expect(row).To(ContainSubstring(value))
	}

	// The tenantry category gathers every Tenantry kind across accounts.
	out = mustKubectl(t, "get", "tenantry", "-A")
	g.Expect(out).To(MatchRegexp(`(?m)^acme\s+(user\.iam\.tenantry\.io/)?alice\s`))
	g.Expect(lines[2]).To(MatchRegexp(`^bob\s.*\smanager\s`))
}

// rolesGrantAccess reads the roles as a cluster admin would and asks the
// API server who may do what, as the person would be authorised.
func rolesGrantAccess(t *testing.T) {
	g := NewWithT(t)
	mustKubectl(t, "wait", "--for=jsonpath={.status.users}=1", "roles.iam.tenantry.io/owner", "--timeout=60s")
	out := mustKubectl(t, "get", "roles.iam.tenantry.io")
	for _, column := range []string{"DISPLAY NAME", "MANAGE USERS", "USERS", "AGE"} {
		g.Expect(out).To(ContainSubstring(column))
	}
	g.Expect(out).To(MatchRegexp(`(?m)^owner\s+Owner\s+true\s+1\s`))
	g.Expect(out).To(MatchRegexp(`(?m)^manager\s+Manager\s+false\s+1\s`))

	// alice is Active, so she holds her role; bob has not accepted yet.
	canI := func(as, verb, resource, namespace string) string {
		out, _ := kubectl(t, "", "auth", "can-i", verb, resource, "-n", namespace, "--as", as)
		return strings.TrimSpace(out)
	}
	g.Eventually(func() string { return canI(aliceEmail, "create", "users.iam.tenantry.io", "acme") }).
		WithTimeout(30 * time.Second).Should(Equal("yes"))
	g.Expect(canI(aliceEmail, "create", "users.iam.tenantry.io", "default")).To(Equal("no"))
	g.Expect(canI("bob@acme.example", "list", "users.iam.tenantry.io", "acme")).To(Equal("no"))
}

// teamBindsActiveMembers reads the sample team as a cluster admin would:
// alice, Active, is bound; bob, Invited, is not yet.
func teamBindsActiveMembers(t *testing.T) {
	g := NewWithT(t)
	mustKubectl(t, "wait", "--for=jsonpath={.status.activeMembers}=1", "team/support", "-n", "acme", "--timeout=60s")
	out := mustKubectl(t, "get", "teams", "-n", "acme")
	g.Expect(out).To(MatchRegexp(`(?m)^NAME\s+DISPLAY NAME\s+ROLE\s+ACTIVE\s+MEMBERS\s+AGE`))
	g.Expect(out).To(MatchRegexp(`(?m)^support\s+Support\s+manager\s+1\s+alice, bob \(not active\)\s`))
	subjects := mustKubectl(t, "get", "rolebinding", "tenantry:team:support", "-n", "acme", "-o", "jsonpath={.subjects[*].name}")
	g.Expect(strings.TrimSpace(subjects)).To(Equal(aliceEmail))
}

// historyOutlivesAlice checks that the team the deleted alice was in still
// names her in its spec, which is the person's to change, and says in its
// status that she is gone, and that her change history, with who asked, is
// still in the account.
func historyOutlivesAlice(t *testing.T) {
	g := NewWithT(t)
	g.Eventually(func() string {
		return mustKubectl(t, "get", "teams", "-n", "acme")
	}).WithTimeout(30 * time.Second).Should(MatchRegexp(`(?m)^support\s+Support\s+manager\s+\d+\s+alice \(no such user\)`))
	g.Expect(mustKubectl(t, "get", "team", "support", "-n", "acme", "-o", "jsonpath={.spec.members}")).To(Equal(`["alice","bob"]`))
	out := mustKubectl(t, "get", "userchanges", "-n", "acme", "-l", "iam.tenantry.io/user=alice", "--sort-by=.spec.time")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	g.Expect(lines[0]).To(MatchRegexp(`^NAME\s+USER\s+ACTION\s+REQUESTER\s+SUMMARY\s+TIME`))
	g.Expect(lines[1]).To(MatchRegexp(`\salice\s+Created\s+e2e-admin\s+Alice Example <alice@acme.example>, role owner`))
	g.Expect(lines[len(lines)-1]).To(MatchRegexp(`\salice\s+Deleted\s+e2e-admin\s+deleted, with a balance of`))
}

func lastOwnerStays(t *testing.T) {
	g := NewWithT(t)
	out := kubectlFails(t, "", "delete", "user", "alice", "-n", "acme", "--timeout=60s")
	g.Expect(out).To(ContainSubstring("last-owner rule"))
	mustKubectl(t, "get", "user", "alice", "-n", "acme")

	// Once bob is an owner too, alice may go.
	mustKubectl(t, "patch", "user", "bob", "-n", "acme", "--type=merge", "-p", `{"spec":{"role":"owner"}}`)
}

func acceptMailedInvitation(t *testing.T) {
	g := NewWithT(t)
	// Once the status records the delivery, the mail is in the catcher.
	mustKubectl(t, "wait", "--for=condition=InvitationDelivered", "user/alice", "-n", "acme", "--timeout=60s")
	text, token := invitationMail(g, aliceEmail)
	g.Expect(text).To(ContainSubstring(selfServiceURL+acceptPath+"?token="+token),
		"the link points at the self-service API")

	waitForSelfService(g)

	status, answer := postAccept(t, token, strongPassword)
	g.Expect(status).To(Equal(http.StatusOK), "answer: %v", answer)
	g.Expect(answer).To(HaveKeyWithValue("status", "Accepted"))

	mustKubectl(t, "wait", "--for=condition=Ready", "user/alice", "-n", "acme", "--timeout=60s")
	g.Expect(mustKubectl(t, "get", "user", "alice", "-n", "acme", "-o", "jsonpath={.status.phase}")).To(Equal("Active"))
}

// waitForSelfService waits until the self-service API, which starts with
// the manager, listens.
func waitForSelfService(g Gomega) {
	g.Eventually(func() (int, error) {
		resp, err := selfServiceClient.Get(selfServiceURL + "/healthz")
		if err != nil {
			return 0, err
		}
		_ = resp.Body.Close()
		return resp.StatusCode, nil
	}).WithTimeout(30 * time.Second).Should(Equal(http.StatusOK))
}

// postAccept accepts an invitation the way a client of the API does, and
// returns the status code and the decoded JSON answer.
func postAccept(t *testing.T, token, password string) (int, map[string]any) {
	t.Helper()
	body, err := json.Marshal(map[string]string{"token": token, "password": password})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, selfServiceURL+acceptPath, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := selfServiceClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", acceptPath, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var answer map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatalf("decode the answer of POST %s (status %d): %v", acceptPath, resp.StatusCode, err)
	}
	return resp.StatusCode, answer
}

func refillAndCancel(t *testing.T) {
	g := NewWithT(t)
	mustKubectl(t, "wait", "--for=jsonpath={.status.balance.amount}=125.50", "user/alice", "-n", "acme", "--timeout=60s")
	out := mustKubectl(t, "get", "users", "-n", "acme")
	g.Expect(out).To(ContainSubstring("BALANCE"))
	g.Expect(out).To(MatchRegexp(`alice .*125\.50\s+USD`))

	out = mustKubectl(t, "get", "balancetransactions", "-n", "acme")
	for _, column := range []string{"USER", "TYPE", "AMOUNT", "CURRENCY", "PHASE", "SEQ"} {
		g.Expect(out).To(ContainSubstring(column))
	}
	g.Expect(out).To(MatchRegexp(`alice-refill-2\s+alice\s+Refill\s+25\.50\s+USD\s+Applied\s+2`))

	// Only the most recent can be cancelled; the refusal names it.
	out = kubectlFails(t, "", "delete", "balancetransaction", "alice-refill-1", "-n", "acme")
	g.Expect(out).To(ContainSubstring("only the most recent applied transaction of user alice can be cancelled: that is alice-refill-2 (sequence 2)"))

	// Cancel the most recent refill: kubectl delete waits for the ledger to
	// take it off the balance.
	mustKubectl(t, "delete", "balancetransaction", "alice-refill-2", "-n", "acme", "--timeout=60s")
	g.Expect(mustKubectl(t, "get", "user", "alice", "-n", "acme", "-o", "jsonpath={.status.balance.amount} {.status.balance.latestTransaction}")).
		To(Equal("100.00 alice-refill-1"))
	g.Expect(mustKubectl(t, "describe", "user", "alice", "-n", "acme")).To(ContainSubstring("TransactionCancelled"))
}

// deleteUser deletes alice alone; deleting a whole account is
// TestDeleteAccountWithKubectl's.
func deleteUser(t *testing.T) {
	g := NewWithT(t)
	// The Secret exists now, so its absence afterwards means something.
	mustKubectl(t, "get", "secret", "acme.alice", "-n", "tenantry-system")

	// kubectl delete waits until the finalizer has let go.
	out := mustKubectl(t, "delete", "user", "alice", "-n", "acme", "--timeout=60s")
	g.Expect(out).To(ContainSubstring(`user.iam.tenantry.io "alice" deleted`))

	out = kubectlFails(t, "", "get", "user", "alice", "-n", "acme")
	g.Expect(out).To(ContainSubstring("NotFound"))
	out = kubectlFails(t, "", "get", "secret", "acme.alice", "-n", "tenantry-system")
	g.Expect(out).To(ContainSubstring("NotFound"))
	out = kubectlFails(t, "", "get", "configmap", "alice-mailbox", "-n", "acme")
	g.Expect(out).To(ContainSubstring("NotFound"), "her mailbox went before she did")
	g.Eventually(func() string {
		out, _ = kubectl(t, "", "auth", "can-i", "list", "users.iam.tenantry.io", "-n", "acme", "--as", aliceEmail)
		return strings.TrimSpace(out)
	}).WithTimeout(30 * time.Second).Should(Equal("no"))

	// Her transactions went with her.
	g.Eventually(func() string { return mustKubectl(t, "get", "balancetransactions", "-n", "acme") }).
		WithTimeout(60 * time.Second).Should(ContainSubstring("No resources found"))
}
