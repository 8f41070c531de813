package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
		opts.LeaderElection.Enabled, opts.LeaderElection.Namespace = true, leaseNamespace
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

// TestAFollowerServesAndLeavesTheWorkToTheLeader starts a replica while
// another holds the lease. It serves at once (its self-service API and the
// issuer's keys answer) but does none of the leader's work: it reconciles
// no user and makes no signing key. When the lease is free, it takes it
// and does both.
func TestAFollowerServesAndLeavesTheWorkToTheLeader(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	leaseNamespace := newNamespace(t)
	now := metav1.NewMicroTime(time.Now())
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: leaseNamespace, Name: leaseName},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity: ptr.To("another-replica"), LeaseDurationSeconds: ptr.To[int32](3600),
			AcquireTime: &now, RenewTime: &now,
		},
	}
	g.Expect(k8s.Create(ctx, lease)).To(Succeed())

	opts := testOptions(t, startSMTP(t))
	opts.LeaderElection.Enabled, opts.LeaderElection.Namespace = true, leaseNamespace
	keysSecret := client.ObjectKey{Namespace: opts.CredentialsNamespace, Name: "keys-" + leaseNamespace}
	opts.Tokens.IssuerURL = "https://tenantry.example"
	opts.Tokens.SigningKeySecret = keysSecret.String()
	tm := startManager(t, opts)

	resp, err := http.Get(tm.selfServiceURL + "/v1/keys")
	g.Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK), "a follower serves the issuer's keys")

	key := createUser(t, newUser(newNamespace(t), "carol", "carol@replicas.example"))
	notLeading := func(g Gomega) {
		g.Expect(getUser(g, key).Status.Phase).To(BeEmpty(), "a follower reconciled a user")
		err := k8s.Get(ctx, keysSecret, &corev1.Secret{})
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "a follower made a signing key (%v)", err)
	}
	g.Consistently(notLeading).WithTimeout(3 * time.Second).Should(Succeed())

	// The other replica stepped down.
	g.Expect(k8s.Delete(ctx, lease)).To(Succeed())
	eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseInvited))
	g.Eventually(func() error { return k8s.Get(ctx, keysSecret, &corev1.Secret{}) }).Should(Succeed())
}
