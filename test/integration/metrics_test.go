package integration

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"testing"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/yaml"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// metric is the value of the series of name whose labels include want,
// summed over the others (a histogram's count of observations); 0 when no
// series matches. It reads controller-runtime's registry, what /metrics
// serves.
func metric(g Gomega, name string, want map[string]string) float64 {
	families, err := metrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue series
				}
			}
			switch {
			case m.Counter != nil:
				sum += m.GetCounter().GetValue()
			case m.Gauge != nil:
				sum += m.GetGauge().GetValue()
			case m.Histogram != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return sum
}

func TestMetricsFollowUsersInvitationsAndLogins(t *testing.T) {
	tm, ns := startAccount(t)
	g := NewWithT(t)
	delivered := map[string]string{"result": "delivered"}
	invitationsBefore := metric(g, "tenantry_invitations_sent_total", delivered)
	sendsBefore := metric(g, "tenantry_smtp_send_duration_seconds", nil)
	successBefore := metric(g, "tenantry_logins_total", map[string]string{"result": "success"})
	failedBefore := metric(g, "tenantry_logins_total", map[string]string{"result": "bad_credentials"})
	lockoutsBefore := metric(g, "tenantry_lockouts_total", nil)
	phase := func(p iamv1alpha1.UserPhase) map[string]string {
		return map[string]string{"namespace": ns, "phase": string(p)}
	}

	user := newUser(ns, "alice", "alice@metrics.example")
	key := createUser(t, user)
	g.Eventually(func(g Gomega) {
		g.Expect(metric(g, "tenantry_users", phase(iamv1alpha1.UserPhaseInvited))).To(BeEquivalentTo(1))
	}).WithTimeout(timeout).Should(Succeed())
	acceptInvitation(t, tm, key, user)
	eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseActive))
	g.Eventually(func(g Gomega) {
		g.Expect(metric(g, "tenantry_users", phase(iamv1alpha1.UserPhaseActive))).To(BeEquivalentTo(1))
		g.Expect(metric(g, "tenantry_users", phase(iamv1alpha1.UserPhaseInvited))).To(BeZero())
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(metric(g, "tenantry_invitations_sent_total", delivered)).To(BeNumerically(">=", invitationsBefore+1))
	g.Expect(metric(g, "tenantry_smtp_send_duration_seconds", nil)).To(BeNumerically(">=", sendsBefore+1))

	logInOK(t, tm, user, strongPassword)
	failLogins(t, tm, user, 1)
	g.Expect(metric(g, "tenantry_logins_total", map[string]string{"result": "success"})).To(Equal(successBefore + 1))
	g.Expect(metric(g, "tenantry_logins_total", map[string]string{"result": "bad_credentials"})).To(Equal(failedBefore + 1))
	g.Expect(metric(g, "tenantry_lockouts_total", nil)).To(Equal(lockoutsBefore))
	// The threshold is 5: the fifth wrong password locks, once.
	failLogins(t, tm, user, 5)
	g.Expect(metric(g, "tenantry_lockouts_total", nil)).To(Equal(lockoutsBefore + 1))
	expectAnswer(t, logIn(t, tm, user, strongPassword), http.StatusForbidden, "UserLocked")
	g.Expect(metric(g, "tenantry_logins_total", map[string]string{"result": "locked"})).To(BeNumerically(">=", 1))

	g.Expect(changeUser(g, key, func(u *iamv1alpha1.User) { u.Spec.State = iamv1alpha1.UserStateDisabled })).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(metric(g, "tenantry_users", phase(iamv1alpha1.UserPhaseDisabled))).To(BeEquivalentTo(1))
		g.Expect(metric(g, "tenantry_users", phase(iamv1alpha1.UserPhaseActive))).To(BeZero())
	}).WithTimeout(timeout).Should(Succeed())
}

func TestMetricsCountTransactionsAndFollowSeats(t *testing.T) {
	ns, _ := ledgerAccount(t)
	g := NewWithT(t)
	result := func(r string) map[string]string { return map[string]string{"result": r} }
	appliedBefore := metric(g, "tenantry_transactions_total", result("applied"))
	rejectedBefore := metric(g, "tenantry_transactions_total", result("rejected"))

	eventuallyTransaction(t, createTransaction(t, newTransaction(ns, "refill", "alice", iamv1alpha1.TransactionRefill, "5.00")), iamv1alpha1.TransactionApplied)
	eventuallyTransaction(t, createTransaction(t, newTransaction(ns, "too-much", "alice", iamv1alpha1.TransactionCharge, "7.00")), iamv1alpha1.TransactionRejected)
	// A result is counted once its status write has returned, so a status
	// read here may come a moment before the count.
	g.Eventually(func(g Gomega) {
		g.Expect(metric(g, "tenantry_transactions_total", result("applied"))).To(Equal(appliedBefore + 1))
		g.Expect(metric(g, "tenantry_transactions_total", result("rejected"))).To(Equal(rejectedBefore + 1))
	}).WithTimeout(timeout).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(metric(g, "tenantry_transactions_pending", map[string]string{"namespace": ns})).To(BeZero())
	}).WithTimeout(timeout).Should(Succeed())

	key := createSubscription(t, ns, "basic", 2)
	createUser(t, withMailbox(newUser(ns, "bob", "bob@metrics.example")))
	seats := func(kind string) map[string]string {
		return map[string]string{"namespace": ns, "subscription": "basic", "service_class": "mailbox", "kind": kind}
	}
	g.Eventually(func(g Gomega) {
		g.Expect(metric(g, "tenantry_subscription_seats", seats("used"))).To(BeEquivalentTo(1))
		g.Expect(metric(g, "tenantry_subscription_seats", seats("quantity"))).To(BeEquivalentTo(2))
		g.Expect(metric(g, "tenantry_service_assignments", map[string]string{"namespace": ns})).To(BeEquivalentTo(1))
	}).WithTimeout(timeout).Should(Succeed())

	sub := &iamv1alpha1.Subscription{}
	g.Expect(k8s.Get(context.Background(), key, sub)).To(Succeed())
	sub.Spec.Services[0].Quantity = 3
	g.Expect(k8s.Update(context.Background(), sub)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(metric(g, "tenantry_subscription_seats", seats("quantity"))).To(BeEquivalentTo(3))
	}).WithTimeout(timeout).Should(Succeed())
}

// TestMetricsEndpointAnswersOnlyAuthorizedTokens runs the endpoint as a
// cluster does: https, with the API server judging every caller.
func TestMetricsEndpointAnswersOnlyAuthorizedTokens(t *testing.T) {
	opts := testOptions(t, startSMTP(t))
	opts.MetricsAddr = testsupport.FreeAddr(t)
	opts.MetricsSecure = true
	startManager(t, opts)
	ns := newNamespace(t)
	ctx := context.Background()
	g := NewWithT(t)

	// The certificate is the manager's own, self-signed.
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec
	scrape := func(g Gomega, token string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, "https://"+opts.MetricsAddr+"/metrics", nil)
		g.Expect(err).NotTo(HaveOccurred())
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := insecure.Do(req)
		g.Expect(err).NotTo(HaveOccurred())
		defer func() { _ = resp.Body.Close() }()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	g.Eventually(func(g Gomega) {
		code, _ := scrape(g, "")
		g.Expect(code).To(Equal(http.StatusUnauthorized), "a request without a token")
	}).WithTimeout(timeout).Should(Succeed())

	createUser(t, newUser(ns, "carol", "carol@metrics.example")) // something of the account's to count
	clientset, err := kubernetes.NewForConfig(cfg)
	g.Expect(err).NotTo(HaveOccurred())
	tokenOf := func(name string) string {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		g.Expect(k8s.Create(ctx, sa)).To(Succeed())
		tr, err := clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		return tr.Status.Token
	}
	code, _ := scrape(g, tokenOf("outsider"))
	g.Expect(code).To(Equal(http.StatusForbidden), "a token of a ServiceAccount not bound to the reader role")

	// The reader role as config/rbac ships it, under a name of this test.
	raw, err := os.ReadFile("../../config/rbac/metrics_reader_role.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	reader := &rbacv1.ClusterRole{}
	g.Expect(yaml.UnmarshalStrict(raw, reader)).To(Succeed())
	reader.Name = "metrics-reader-" + ns
	g.Expect(k8s.Create(ctx, reader)).To(Succeed())
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), reader) })
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: reader.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: reader.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: "scraper"}},
	}
	g.Expect(k8s.Create(ctx, binding)).To(Succeed())
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), binding) })
	token := tokenOf("scraper")
	// The manager remembers a denial for 30s: ask only once the API
	// server's authorizer has seen the binding.
	g.Eventually(func(g Gomega) {
		review, err := clientset.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
			Spec: authorizationv1.SubjectAccessReviewSpec{
				User:                  "system:serviceaccount:" + ns + ":scraper",
				NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: "/metrics", Verb: "get"},
			}}, metav1.CreateOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(review.Status.Allowed).To(BeTrue())
	}).WithTimeout(timeout).Should(Succeed())

	g.Eventually(func(g Gomega) {
		code, body := scrape(g, token)
		g.Expect(code).To(Equal(http.StatusOK))
		g.Expect(body).To(ContainSubstring(`tenantry_users{namespace="` + ns + `",phase="Invited"} 1`))
	}).WithTimeout(timeout).Should(Succeed())
}

// TestEveryConcurrencyFlagReachesItsController starts a manager with a
// different number of workers for each controller and reads what each
// controller runs with from controller-runtime's own gauge.
func TestEveryConcurrencyFlagReachesItsController(t *testing.T) {
	g := NewWithT(t)
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	opts.Concurrency.Users, opts.Concurrency.Roles, opts.Concurrency.Ledgers = 3, 5, 7
	opts.Concurrency.Subscriptions, opts.Concurrency.Teams, opts.Concurrency.ServiceClasses = 9, 11, 13
	want := map[string]float64{"user": 3, "role": 5, "ledger": 7, "subscription": 9, "team": 11, "serviceclass": 13}
	startManager(t, opts)

	g.Eventually(func() map[string]float64 {
		got := map[string]float64{}
		families, err := metrics.Registry.Gather()
		if err != nil {
			return nil
		}
		for _, family := range families {
			if family.GetName() != "controller_runtime_max_concurrent_reconciles" {
				continue
			}
			for _, m := range family.GetMetric() {
				for _, label := range m.GetLabel() {
					if label.GetName() == "controller" {
						got[label.GetValue()] = m.GetGauge().GetValue()
					}
				}
			}
		}
		return got
	}).Should(Equal(want))
}
