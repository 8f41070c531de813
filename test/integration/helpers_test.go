package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	usercontroller "github.com/tenantry-io/tenantry/controllers/user"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/rbac"
	"github.com/tenantry-io/tenantry/internal/reconcile"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

const (
	timeout        = testsupport.Timeout
	strongPassword = "Corr3ct-Horse-Battery"
)

// startAccount starts a manager with an SMTP server of its own and creates
// a customer account for the test.
func startAccount(t *testing.T) (*testManager, string) {
	t.Helper()
	smtp := startSMTP(t)
	tm := startManager(t, testOptions(t, smtp))
	tm.smtp = smtp
	return tm, newNamespace(t)
}

// newNamespace creates a customer account of the test's own.
func newNamespace(t testing.TB) string { return testsupport.NewNamespace(t, k8s) }

// deleteAccount deletes a customer account the way a cluster does.
func deleteAccount(t testing.TB, ns string) { testsupport.DeleteAccount(t, k8s, ns) }

// newUser is a manager of the account: tests about other things can delete
// or disable it without meeting the last-owner rule.
func newUser(namespace, name, email string) *iamv1alpha1.User {
	return testsupport.NewUser(namespace, name, email)
}

func createUser(t testing.TB, user *iamv1alpha1.User) client.ObjectKey {
	t.Helper()
	return testsupport.CreateUser(t, k8s, user)
}

func getUser(g Gomega, key client.ObjectKey) *iamv1alpha1.User {
	return testsupport.GetUser(g, k8s, key)
}

// changeUser applies change to the user as the API server holds it and
// patches the difference; it returns the API server's answer.
func changeUser(g Gomega, key client.ObjectKey, change func(u *iamv1alpha1.User)) error {
	return testsupport.ChangeUser(g, k8s, key, change)
}

// secretKey is where the user's credential Secret lives: in the operator's
// namespace, not the account's.
func secretKey(user client.ObjectKey) client.ObjectKey {
	return credentials.SecretKey(testsupport.CredentialsNamespace, user.Namespace, user.Name)
}

func getSecret(g Gomega, key client.ObjectKey) *corev1.Secret {
	secret := &corev1.Secret{}
	g.Expect(k8s.Get(context.Background(), secretKey(key), secret)).To(Succeed())
	return secret
}

// eventuallyUser waits until the user passes check.
func eventuallyUser(t testing.TB, key client.ObjectKey, check func(g Gomega, user *iamv1alpha1.User)) *iamv1alpha1.User {
	t.Helper()
	var user *iamv1alpha1.User
	NewWithT(t).Eventually(func(g Gomega) {
		user = getUser(g, key)
		check(g, user)
	}).WithTimeout(timeout).Should(Succeed())
	return user
}

func hasPhase(phase iamv1alpha1.UserPhase) func(g Gomega, user *iamv1alpha1.User) {
	return func(g Gomega, user *iamv1alpha1.User) {
		g.Expect(user.Status.Phase).To(Equal(phase))
		g.Expect(user.Status.ObservedGeneration).To(Equal(user.Generation))
	}
}

func condition(user *iamv1alpha1.User, conditionType string) metav1.Condition {
	if c := meta.FindStatusCondition(user.Status.Conditions, conditionType); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// kstatusOf reads a user the way GitOps tools do.
func kstatusOf(g Gomega, user *iamv1alpha1.User) status.Status {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(user)
	g.Expect(err).NotTo(HaveOccurred())
	result, err := status.Compute(&unstructured.Unstructured{Object: content})
	g.Expect(err).NotTo(HaveOccurred())
	return result.Status
}

// messagesTo returns what the SMTP server accepted for one address.
func messagesTo(smtp *smtpcatcher.Server, address string) []smtpcatcher.Message {
	var out []smtpcatcher.Message
	for _, m := range smtp.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, address) {
				out = append(out, m)
			}
		}
	}
	return out
}

var tokenPattern = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// tokenFrom takes the one-time token out of an invitation's link.
func tokenFrom(t testing.TB, msg smtpcatcher.Message) string {
	t.Helper()
	body, err := msg.TextBody()
	if err != nil {
		t.Fatalf("read invitation body: %v", err)
	}
	match := tokenPattern.FindStringSubmatch(body)
	if match == nil {
		t.Fatalf("no accept link in invitation:\n%s", body)
	}
	return match[1]
}

// accept posts to the self-service API as the person's browser would.
func accept(t testing.TB, baseURL, token, password string) (int, map[string]string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"token": token, "password": password})
	resp, err := http.Post(baseURL+"/v1/invitations/accept", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("accept invitation: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	out := map[string]string{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// inviteAndAccept drives a new user to Active through the real email.
func inviteAndAccept(t *testing.T, tm *testManager, user *iamv1alpha1.User) client.ObjectKey {
	t.Helper()
	key := createAndAccept(t, tm, user)
	eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseActive))
	return key
}

// createAndAccept creates a user and accepts its invitation, whatever
// phase that leads to.
func createAndAccept(t testing.TB, tm *testManager, user *iamv1alpha1.User) client.ObjectKey {
	t.Helper()
	key := createUser(t, user)
	acceptInvitation(t, tm, key, user)
	return key
}

// acceptInvitation accepts the invitation mailed to a user created earlier.
func acceptInvitation(t testing.TB, tm *testManager, key client.ObjectKey, user *iamv1alpha1.User) {
	t.Helper()
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(condition(u, iamv1alpha1.InvitationDeliveredCondition).Status).To(Equal(metav1.ConditionTrue))
	})
	msgs := messagesTo(tm.smtp, user.Spec.Email)
	if len(msgs) != 1 {
		t.Fatalf("want 1 invitation to %s, got %d", user.Spec.Email, len(msgs))
	}
	if code, body := accept(t, tm.selfServiceURL, tokenFrom(t, msgs[0]), strongPassword); code != http.StatusOK {
		t.Fatalf("accept: HTTP %d %v", code, body)
	}
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.EmailVerified).To(BeTrue())
	})
}

// reconcileCount is how many reconciles of users the suite's managers have
// finished, from controller-runtime's own metric.
func reconcileCount(t testing.TB) float64 {
	t.Helper()
	return counterSum(t, "controller_runtime_reconcile_total", "controller", "user")
}

// apiWrites is how many writes every client in the process (managers and
// tests) has sent to the API server, from client-go's own metric.
func apiWrites(t testing.TB) float64 {
	t.Helper()
	return counterSum(t, "rest_client_requests_total", "method", "POST", "PUT", "PATCH", "DELETE")
}

// counterSum adds up the counter family's series whose label has one of
// the values.
func counterSum(t testing.TB, family, label string, values ...string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	var total float64
	for _, f := range families {
		if f.GetName() != family {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && slices.Contains(values, l.GetValue()) {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}

// writeCounter counts every write a reconciler sends to the API server.
type writeCounter struct {
	n      atomic.Int64
	mu     sync.Mutex
	writes []string
}

func (w *writeCounter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.writes, ", ")
}

func (w *writeCounter) client() client.Client {
	count := func(verb string, obj client.Object) {
		w.n.Add(1)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.writes = append(w.writes, fmt.Sprintf("%s %T %s", verb, obj, obj.GetName()))
	}
	return interceptor.NewClient(k8s, interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			count("create", obj)
			return c.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			count("update", obj)
			return c.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			count("patch", obj)
			return c.Patch(ctx, obj, patch, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			count("delete", obj)
			return c.Delete(ctx, obj, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			count("update "+sub, obj)
			return c.SubResource(sub).Update(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			count("patch "+sub, obj)
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		},
	})
}

// directReconciler is a UserReconciler wired like the manager's, reading
// straight from the API server, for tests that run one reconcile on demand.
func directReconciler(t *testing.T, c client.Client, smtp *smtpcatcher.Server) *usercontroller.Reconciler {
	t.Helper()
	sender, err := mail.NewSMTPSender(mail.Config{Host: smtp.Host(), Port: smtp.Port(), TLS: mail.TLSNone, From: "no-reply@tenantry.test"})
	if err != nil {
		t.Fatalf("create sender: %v", err)
	}
	return &usercontroller.Reconciler{
		Clock:     clock.RealClock{},
		Client:    c,
		APIReader: k8s,
		Mailer:    sender,
		Templates: mail.DefaultTemplates(),
		Invitations: usercontroller.InvitationSettings{
			TTL: time.Hour, AcceptURL: "http://127.0.0.1/v1/invitations/accept", MessageIDDomain: "tenantry.test",
			Backoff: reconcile.Backoff{Base: 200 * time.Millisecond, Max: time.Second},
		},
		Identity:             rbac.Identity{}.OrDefault(),
		CredentialsNamespace: testsupport.CredentialsNamespace,
	}
}

func reconcileOnce(t *testing.T, r *usercontroller.Reconciler, key client.ObjectKey) {
	t.Helper()
	if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: key}); err != nil {
		t.Fatalf("reconcile %s: %v", key, err)
	}
}
