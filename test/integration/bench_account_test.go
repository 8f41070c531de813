package integration

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// teamLimit is the most members a Team holds.
const teamLimit = 256

// BenchmarkUsersInvitedToAnAccount: a burst of new users into an account
// as a real one looks: a Subscription with a seat for each, every user
// assigned a storage bucket (provisioned while invited, one ConfigMap
// each), and a Team whose members are the first 256 of them. Done is the
// invitation delivered, the ledger open and the bucket Ready. The bare
// client starts from the same account and creates the same users, and does
// the least the job needs: what BenchmarkUsersInvited's does, the
// ConfigMap, and the bucket's entry in its one status write. Writes are
// listed by resource, as the API server counted them (writesByResource).
func BenchmarkUsersInvitedToAnAccount(b *testing.B) {
	smtp := startSMTP(b)
	storage := newServiceClass(b, "storage", map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"bucket": "${account}-${user.name}"},
	}, func(s *iamv1alpha1.ServiceClassSpec) { s.ProvisionWhileInvited = true })
	assign := func(u *iamv1alpha1.User) {
		u.Spec.Services = []iamv1alpha1.ServiceAssignment{{ServiceClass: storage.Name}}
	}
	bare := bareInvitations(b, startSMTP(b), b.N, bareJob{
		prepare: func(ns string) { createAccountShape(b, ns, storage.Name, bareName) },
		user:    assign,
		provision: func(ctx context.Context, ns, name string, status *iamv1alpha1.UserStatus) error {
			bucket := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-storage"}, Data: map[string]string{"bucket": ns + "-" + name}}
			if err := k8s.Create(ctx, bucket); err != nil {
				return err
			}
			status.Services = []iamv1alpha1.ServiceStatus{{Name: storage.Name, ServiceClass: storage.Name, Subscription: "basic",
				Object: &iamv1alpha1.ServiceObjectReference{APIVersion: "v1", Kind: "ConfigMap", Namespace: ns, Name: bucket.Name},
				Column: storage.Spec.ColumnName, Phase: iamv1alpha1.ServicePhaseReady, Reason: iamv1alpha1.ReasonObjectReady,
				Message: "ConfigMap " + bucket.Name + " is ready"}}
			return nil
		},
		done: storageReady,
	})
	manager := startManager(b, testOptions(b, smtp))
	ns := newNamespace(b)
	createAccountShape(b, ns, storage.Name, func(i int) string { return fmt.Sprintf("user-%05d", i) })
	done := trackDone(b, &iamv1alpha1.UserList{}, ns, storageReady)
	waitForQuietControlPlane(b)
	writes, passes, cpu := writesByResource(b), reconcileCount(b), cpuSeconds(b)

	b.ResetTimer()
	createAll(b, b.N, func(i int) client.Object {
		user := newUser(ns, fmt.Sprintf("user-%05d", i), fmt.Sprintf("user-%05d@account.example", i))
		assign(user)
		done.createdNow(user.Name)
		return user
	})
	done.wait(b, "users invited with their storage", b.N)
	b.StopTimer()
	reportCPU(b, cpu, "cpu-ms/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "users/s")
	b.ReportMetric(float64(done.latency(0.99).Milliseconds()), "p99-ms")
	b.ReportMetric((reconcileCount(b)-passes)/float64(b.N), "passes/op")
	total := 0.0
	after := writesByResource(b)
	for resource, n := range after {
		n -= writes[resource]
		// The benchmark's own creates of the users are not the operator's.
		if resource == "users" {
			n -= float64(b.N)
		}
		if n <= 0 {
			continue
		}
		total += n
		b.ReportMetric(n/float64(b.N), resource+"-writes/op")
	}
	b.ReportMetric(total/float64(b.N), "writes/op")
	b.ReportMetric(statusBytes(b, ns, "user-00000"), "status-bytes")
	bare.report(b, b.Elapsed())
	manager.stop(b)
	discardAccount(b, ns)
}

// createAccountShape creates the account's Subscription, with a seat of
// class for each of the benchmark's users, and its Team of the first 256
// of them (name gives the i-th user's name).
func createAccountShape(b *testing.B, ns, class string, name func(i int) string) {
	b.Helper()
	subscription := &iamv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "basic"},
		Spec:       iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{{ServiceClass: class, Quantity: int32(b.N)}}},
	}
	team := &iamv1alpha1.Team{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "everyone"}, Spec: iamv1alpha1.TeamSpec{DisplayName: "Everyone", Role: "manager"}}
	for i := range min(b.N, teamLimit) {
		team.Spec.Members = append(team.Spec.Members, name(i))
	}
	for _, obj := range []client.Object{subscription, team} {
		if err := k8s.Create(context.Background(), obj); err != nil {
			b.Fatal(err)
		}
	}
}

// storageReady tells a user of the account done: settled, with its one
// service Ready.
func storageReady(obj client.Object) bool {
	u := obj.(*iamv1alpha1.User)
	return userSettled(u) && len(u.Status.Services) == 1 && u.Status.Services[0].Phase == iamv1alpha1.ServicePhaseReady
}
