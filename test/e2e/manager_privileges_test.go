package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// asManager runs kubectl with the manager's ServiceAccount token: what a
// thief of that token could do.
func asManager(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	return kubectlWithToken(t, managerToken, stdin, args...)
}

// TestStolenManagerTokenCannotEscalate tries, with the manager's own token
// and RBAC exactly as the installer ships it, what would turn the operator
// into a cluster administrator. The API server refuses each one.
func TestStolenManagerTokenCannotEscalate(t *testing.T) {
	mustKubectl(t, "create", "namespace", "e2e-escalation")
	t.Cleanup(func() { _, _ = kubectl(t, "", "delete", "namespace", "e2e-escalation", "--wait=false") })

	refused := []struct {
		name string
		args []string
	}{
		{"bind cluster-admin cluster-wide", []string{"create", "clusterrolebinding", "e2e-steal",
			"--clusterrole=cluster-admin", "--serviceaccount=tenantry-system:tenantry-controller-manager"}},
		{"bind cluster-admin in a namespace", []string{"create", "rolebinding", "e2e-steal", "-n", "e2e-escalation",
			"--clusterrole=cluster-admin", "--user=thief"}},
		{"bind a built-in role beyond the ceiling", []string{"create", "rolebinding", "e2e-steal", "-n", "e2e-escalation",
			"--clusterrole=admin", "--user=thief"}},
		{"write a cluster role beyond the ceiling", []string{"create", "clusterrole", "e2e-steal",
			"--verb=get", "--resource=secrets"}},
		{"read the cluster's secrets", []string{"get", "secrets", "-n", "kube-system"}},
		{"read an account's secrets", []string{"get", "secrets", "-n", "e2e-escalation"}},
		{"impersonate", []string{"get", "pods", "-n", "e2e-escalation", "--as=system:admin"}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			args := append(tt.args, "--dry-run=server")
			if tt.args[0] == "get" {
				args = tt.args
			}
			out, err := asManager(t, "", args...)
			if err == nil {
				t.Fatalf("the manager's token may %s:\n%s", tt.name, out)
			}
			if !strings.Contains(out, "forbidden") {
				t.Fatalf("refused, but not for want of a right:\n%s", out)
			}
		})
	}

	// What the ceiling holds, the manager may still hand out: a binding of
	// a built-in role's ClusterRole in an account.
	g := NewWithT(t)
	g.Eventually(func() string {
		out, _ := kubectl(t, "", "get", "clusterrole", "tenantry:role:manager", "-o", "name")
		return out
	}).WithTimeout(60 * time.Second).Should(ContainSubstring("tenantry:role:manager"))
	out, err := asManager(t, "", "create", "rolebinding", "e2e-within", "-n", "e2e-escalation",
		"--clusterrole=tenantry:role:manager", "--user=someone", "--dry-run=server")
	g.Expect(err).NotTo(HaveOccurred(), "a role within the ceiling can be bound:\n%s", out)
}

// securityModelPage documents who holds which power, the manager's rights
// among them.
var securityModelPage = filepath.Join("..", "..", "docs", "operations", "security.md")

// TestSecurityModelListsTheManagerRights holds the security model's list of
// what the manager's ServiceAccount may do (`kubectl auth can-i --list`, in
// its own namespace and in an account's) to what the API server says it
// may do with the installer's RBAC, so that the security model it
// documents is the one that ships.
func TestSecurityModelListsTheManagerRights(t *testing.T) {
	page, err := os.ReadFile(securityModelPage)
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"tenantry-system", "acme"} {
		documented := shownBlock(t, string(page), "kubectl auth can-i --list -n "+ns)
		out, err := asManager(t, "", "auth", "can-i", "--list", "-n", ns)
		if err != nil {
			t.Fatalf("kubectl auth can-i --list -n %s: %v\n%s", ns, err, out)
		}
		if got, want := rightsRows(out), rightsRows(documented); !slices.Equal(got, want) {
			t.Errorf("the security model's rights of the manager in %s are not what the API server says.\n%s:\n%s\nAPI server:\n%s",
				ns, securityModelPage, strings.Join(want, "\n"), strings.Join(got, "\n"))
		}
	}
}

// shownBlock returns the lines a page's code block shows after the line
// "$ <command>", up to the block's end.
func shownBlock(t *testing.T, page, command string) string {
	t.Helper()
	_, after, found := strings.Cut(page, "$ "+command+"\n")
	if !found {
		t.Fatalf("%s shows no %q", securityModelPage, command)
	}
	block, _, _ := strings.Cut(after, "```")
	return block
}

// rightsRows normalises `kubectl auth can-i --list` output: one row per
// line, columns separated by single spaces, the verbs sorted (kubectl
// lists them in the order of the rules it merged), the rows sorted.
func rightsRows(out string) []string {
	var rows []string
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] == "Resources" {
			continue
		}
		row := strings.Join(fields, " ")
		if i := strings.LastIndex(row, "["); i >= 0 {
			verbs := strings.Fields(strings.Trim(row[i:], "[]"))
			slices.Sort(verbs)
			row = row[:i] + "[" + strings.Join(verbs, " ") + "]"
		}
		rows = append(rows, row)
	}
	slices.Sort(rows)
	return rows
}

// beyondRole grants reading Secrets, which the shipped ceiling leaves out.
const beyondRole = `apiVersion: iam.tenantry.io/v1alpha1
kind: Role
metadata:
  name: e2e-secret-reader
spec:
  displayName: Secret reader
  rules:
  - apiGroups: [""]
    resources: [secrets]
    verbs: [get, list]
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get]
`

// grantSecrets is what a cluster administrator adds to let Roles grant
// reading Secrets.
const grantSecrets = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: e2e-grantable-secrets
  labels:
    iam.tenantry.io/aggregate-to-grantable: "true"
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list]
`

// TestRoleBeyondTheCeilingIsHeldBack applies a Role that grants more than
// the grant ceiling: kubectl shows the webhook's warning, the Role says
// which rules it may not grant, and no ClusterRole grants any of it. Once
// the cluster administrator widens the ceiling, the Role goes through.
func TestRoleBeyondTheCeilingIsHeldBack(t *testing.T) {
	g := NewWithT(t)
	t.Cleanup(func() {
		_, _ = kubectl(t, "", "delete", "role.iam.tenantry.io/e2e-secret-reader", "clusterrole/e2e-grantable-secrets", "--ignore-not-found")
		// The manager holds the ceiling: leave it as the installer made it.
		g.Eventually(func() string {
			out, _ := kubectl(t, "", "get", "clusterrole", "tenantry-grant-ceiling", "-o", "jsonpath={.rules[*].resources}")
			return out
		}).WithTimeout(60*time.Second).ShouldNot(ContainSubstring("secrets"), "the ceiling drops what was taken out of it")
	})

	out := mustKubectlIn(t, beyondRole, "apply", "-f", "-")
	g.Expect(out).To(ContainSubstring("Warning: the role grants what the grant ceiling tenantry-grant-ceiling does not hold"),
		"kubectl apply shows the admission warning")
	g.Expect(out).To(ContainSubstring("get,list secrets"), "the warning names the rules")

	reason := func() string {
		out, _ := kubectl(t, "", "get", "role.iam.tenantry.io/e2e-secret-reader",
			"-o", `jsonpath={.status.conditions[?(@.type=="Ready")].reason}`)
		return out
	}
	g.Eventually(reason).WithTimeout(60 * time.Second).Should(Equal("BeyondGrantCeiling"))
	message := mustKubectl(t, "get", "role.iam.tenantry.io/e2e-secret-reader",
		"-o", `jsonpath={.status.conditions[?(@.type=="Ready")].message}`)
	g.Expect(message).To(ContainSubstring("get,list secrets"))
	g.Expect(message).NotTo(ContainSubstring("configmaps"), "only the rules beyond the ceiling are named")
	out, _ = kubectl(t, "", "get", "clusterrole", "tenantry:role:e2e-secret-reader")
	g.Expect(out).To(ContainSubstring("NotFound"), "nothing of the role is applied half-way")

	mustKubectlIn(t, grantSecrets, "apply", "-f", "-")
	g.Eventually(reason).WithTimeout(60*time.Second).Should(Equal("ClusterRoleReady"),
		"a wider ceiling lets the role through without touching it")
	rules := mustKubectl(t, "get", "clusterrole", "tenantry:role:e2e-secret-reader", "-o", "jsonpath={.rules[0].resources}")
	g.Expect(rules).To(ContainSubstring("secrets"))
}
