package controllers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
)

// The floor a benchmark is judged against: a bare client doing only the
// work the job cannot do without, with the same concurrency as the
// operator, against the same API server and SMTP server, in the same run.
// A benchmark reports its time as a ratio to this ("x-bare"), so a change is
// measured against what the job needs, not against yesterday.

// bareWorkers is the operator's default --max-concurrent-users.
const bareWorkers = 4

// bareInvitations creates n users in an account of its own and, for each,
// does the least a new user's invitation needs: create the credential
// Secret, send one email over SMTP, and write the status once. No manager
// runs while it does. It returns its time and its writes per user (the
// users' own creation left out, as in the operator's figure).
func bareInvitations(b *testing.B, smtp *smtpcatcher.Server, n int) (time.Duration, float64) {
	b.Helper()
	ns := newNamespace(b)
	sender, err := mail.NewSMTPSender(mail.Config{Host: smtp.Host(), Port: smtp.Port(), TLS: mail.TLSNone, From: "no-reply@bench.example"})
	if err != nil {
		b.Fatal(err)
	}
	name := func(i int) string { return fmt.Sprintf("bare-%05d", i) }
	writes := apiWrites(b)
	start := time.Now()
	createAll(b, n, func(i int) client.Object {
		return newUser(ns, name(i), name(i)+"@bench.example")
	})
	inParallel(b, "bare invitation", n, bareWorkers, func(i int) error {
		return inviteBare(context.Background(), sender, ns, name(i))
	})
	elapsed := time.Since(start)
	NewWithT(b).Expect(settledBare(b, ns)).To(Equal(n))
	perUser := (apiWrites(b) - writes - float64(n)) / float64(n)
	// Its users go before a manager starts, so the operator's run does not
	// pick them up; nothing holds them (no finalizer was ever added).
	g := NewWithT(b)
	g.Expect(k8s.DeleteAllOf(context.Background(), &iamv1alpha1.User{}, client.InNamespace(ns))).To(Succeed())
	g.Expect(k8s.DeleteAllOf(context.Background(), &corev1.Secret{}, client.InNamespace(ns))).To(Succeed())
	return elapsed, perUser
}

// inviteBare is one user's unavoidable work.
func inviteBare(ctx context.Context, sender mail.Sender, ns, name string) error {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: credentials.SecretName(name)},
		Data: map[string][]byte{"invitation-token-hash": []byte("0123456789abcdef0123456789abcdef")}}
	if err := k8s.Create(ctx, secret); err != nil {
		return err
	}
	email := name + "@bench.example"
	if err := sender.Send(ctx, mail.Message{To: email, Subject: "You are invited", Text: "https://example.invalid/accept?token=x"}); err != nil {
		return err
	}
	user := &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	patch := client.MergeFrom(user.DeepCopy())
	conditions.MarkTrue(user, iamv1alpha1.InvitationDeliveredCondition, iamv1alpha1.ReasonDelivered, "sent")
	return k8s.Status().Patch(ctx, user, patch)
}

// settledBare counts the bare client's invited users.
func settledBare(b *testing.B, ns string) int {
	users := &iamv1alpha1.UserList{}
	NewWithT(b).Expect(k8s.List(context.Background(), users, client.InNamespace(ns))).To(Succeed())
	n := 0
	for i := range users.Items {
		if conditions.IsTrue(&users.Items[i], iamv1alpha1.InvitationDeliveredCondition) {
			n++
		}
	}
	return n
}

// reportAgainstBare reports the operator's time as a multiple of the bare
// client's, and the bare client's writes per object beside the operator's.
func reportAgainstBare(b *testing.B, operator, bare time.Duration, bareWrites float64) {
	b.Helper()
	b.ReportMetric(operator.Seconds()/bare.Seconds(), "x-bare")
	b.ReportMetric(bareWrites, "bare-writes/op")
}
