package integration

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// leaseName is the manager's leader election lease (internal/operator).
const leaseName = "tenantry-manager.iam.tenantry.io"

// TestEveryReplicaServesTheSelfServiceAPI runs two replicas with leader
// election on. The one that does not lead reconciles nothing, but a Service
// sends it half of the requests: it must accept invitations and sign people
// in like the leader. startManager itself waits for a replica's
// self-service API to answer, which a follower's never did while the API
// ran only on the leader.
func TestEveryReplicaServesTheSelfServiceAPI(t *testing.T) {
	g := NewWithT(t)
	smtp := startSMTP(t)
	leaseNamespace := newNamespace(t)
	replica := func() *testManager {
		opts := testOptions(t, smtp)
		opts.LeaderElection, opts.LeaderElectionNS = true, leaseNamespace
		tm := startManager(t, opts)
		tm.smtp = smtp
		return tm
	}
	replica()
	holder := func() string {
		lease := &coordinationv1.Lease{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: leaseNamespace, Name: leaseName}, lease); err != nil {
			return ""
		}
		return ptr.Deref(lease.Spec.HolderIdentity, "")
	}
	g.Eventually(holder).ShouldNot(BeEmpty())
	leader := holder()
	follower := replica()

	user := newUser(newNamespace(t), "alice", "alice@replicas.example")
	key := createAndAccept(t, follower, user)
	eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseActive))
	logInOK(t, follower, user, strongPassword)

	g.Expect(holder()).To(Equal(leader), "the follower took the lease; it must have served without leading")
}
