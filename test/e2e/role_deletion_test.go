package e2e

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

const (
	gcRoleName    = "e2e-auditor"
	gcClusterRole = "clusterrole/tenantry:role:" + gcRoleName
)

// auditorRole is a role of this test's own, so that deleting it revokes
// nobody another test relies on.
const auditorRole = `apiVersion: iam.tenantry.io/v1alpha1
kind: Role
metadata:
  name: e2e-auditor
spec:
  displayName: Auditor
  rules:
  - apiGroups: [iam.tenantry.io]
    resources: [balancetransactions]
    verbs: [get, list]
`

// TestRoleGarbageCollectedWithKubectl deletes a Role and checks that the
// garbage collector removes the ClusterRole it owns. The operator does not
// delete it itself (a pruned Role must never wait on it), so without the
// collector it would stay.
func TestRoleGarbageCollectedWithKubectl(t *testing.T) {
	g := NewWithT(t)
	out, err := kubectl(t, auditorRole, "apply", "-f", "-")
	g.Expect(err).NotTo(HaveOccurred(), out)

	owner := func() string {
		out, _ := kubectl(t, "", "get", gcClusterRole, "-o", "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}")
		return out
	}
	g.Eventually(owner).WithTimeout(60*time.Second).Should(Equal("Role/"+gcRoleName),
		"the operator renders the ClusterRole, owned by the Role")

	out = mustKubectl(t, "delete", "role.iam.tenantry.io/"+gcRoleName, "--timeout=60s")
	g.Expect(out).To(ContainSubstring(`role.iam.tenantry.io "` + gcRoleName + `" deleted`))

	g.Eventually(func() string {
		out, _ := kubectl(t, "", "get", gcClusterRole)
		return out
	}).WithTimeout(60*time.Second).Should(ContainSubstring("NotFound"), "the garbage collector deletes the ClusterRole")
}
