package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestClusterGaugesCountWhatTheCacheHolds(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	user := func(ns, name string, phase iamv1alpha1.UserPhase, stalled bool, services ...iamv1alpha1.ServicePhase) *iamv1alpha1.User {
		u := &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		u.Status.Phase = phase
		if stalled {
			u.Status.Conditions = []metav1.Condition{{Type: iamv1alpha1.StalledCondition, Status: metav1.ConditionTrue,
				Reason: "X", LastTransitionTime: metav1.Now()}}
		}
		for _, p := range services {
			u.Status.Services = append(u.Status.Services, iamv1alpha1.ServiceStatus{Name: string(p), Phase: p})
		}
		return u
	}
	tx := func(ns, name string, phase iamv1alpha1.TransactionPhase, age time.Duration) *iamv1alpha1.BalanceTransaction {
		t := &iamv1alpha1.BalanceTransaction{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
			CreationTimestamp: metav1.NewTime(now.Add(-age))}}
		t.Status.Phase = phase
		return t
	}
	// ann is new this week and signed in yesterday; a soft-deleted user
	// counts only in its phase.
	ann := user("acme", "ann", iamv1alpha1.UserPhaseActive, false, iamv1alpha1.ServicePhaseReady, iamv1alpha1.ServicePhaseFailed)
	ann.CreationTimestamp = metav1.NewTime(now.Add(-48 * time.Hour))
	ann.Status.LastLoginTime = &metav1.Time{Time: now.Add(-24 * time.Hour)}
	gone := user("acme", "gus", iamv1alpha1.UserPhaseDeleted, false)
	gone.Spec.State = iamv1alpha1.UserStateDeleted
	gone.CreationTimestamp = metav1.NewTime(now.Add(-time.Hour))
	sub := &iamv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "plan"}}
	sub.Status.Services = []iamv1alpha1.ServiceUsage{{ServiceClass: "mailbox", Quantity: 10, Used: 9}}

	scheme := runtime.NewScheme()
	if err := iamv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	reader := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		ann, gone,
		user("acme", "bob", iamv1alpha1.UserPhaseActive, false, iamv1alpha1.ServicePhaseReady),
		user("acme", "cy", iamv1alpha1.UserPhaseInvited, true),
		user("globex", "dee", "", false),
		tx("acme", "old", iamv1alpha1.TransactionPending, 20*time.Minute),
		tx("acme", "new", "", time.Minute),
		tx("acme", "done", iamv1alpha1.TransactionApplied, time.Hour),
		sub,
	).Build()

	c := &clusterCollector{clock: clocktesting.NewFakePassiveClock(now)}
	registry := prometheus.NewRegistry()
	registry.MustRegister(c)
	if n, err := testutil.GatherAndCount(registry); err != nil || n != 0 {
		t.Fatalf("without a cache: %d series (%v), want none", n, err)
	}
	c.use(reader)
	want := `
# HELP tenantry_users Users by account (namespace) and phase.
# TYPE tenantry_users gauge
tenantry_users{namespace="acme",phase="Active"} 2
tenantry_users{namespace="acme",phase="Deleted"} 1
tenantry_users{namespace="acme",phase="Invited"} 1
tenantry_users{namespace="globex",phase="Unknown"} 1
# HELP tenantry_users_stalled Users whose Stalled condition is True: the controller cannot make progress without a person.
# TYPE tenantry_users_stalled gauge
tenantry_users_stalled{namespace="acme"} 1
# HELP tenantry_service_assignments Users' assigned services by account and state (status.services phase).
# TYPE tenantry_service_assignments gauge
tenantry_service_assignments{namespace="acme",state="Failed"} 1
tenantry_service_assignments{namespace="acme",state="Ready"} 2
# HELP tenantry_subscription_seats Seats of a subscribed service class: kind=used (given out) or kind=quantity (bought).
# TYPE tenantry_subscription_seats gauge
tenantry_subscription_seats{kind="quantity",namespace="acme",service_class="mailbox",subscription="plan"} 10
tenantry_subscription_seats{kind="used",namespace="acme",service_class="mailbox",subscription="plan"} 9
# HELP tenantry_transactions_pending Balance transactions not yet applied or rejected, by account.
# TYPE tenantry_transactions_pending gauge
tenantry_transactions_pending{namespace="acme"} 2
# HELP tenantry_transactions_oldest_pending_seconds Age of an account's oldest balance transaction not yet applied or rejected.
# TYPE tenantry_transactions_oldest_pending_seconds gauge
tenantry_transactions_oldest_pending_seconds{namespace="acme"} 1200
# HELP tenantry_users_created Users of an account created within the window (7d or 30d), soft-deleted ones left out.
# TYPE tenantry_users_created gauge
tenantry_users_created{namespace="acme",within="30d"} 1
tenantry_users_created{namespace="acme",within="7d"} 1
tenantry_users_created{namespace="globex",within="30d"} 0
tenantry_users_created{namespace="globex",within="7d"} 0
# HELP tenantry_users_signed_in Users of an account who signed in within the window (30d), soft-deleted ones left out.
# TYPE tenantry_users_signed_in gauge
tenantry_users_signed_in{namespace="acme",within="30d"} 1
tenantry_users_signed_in{namespace="globex",within="30d"} 0
`
	if err := testutil.GatherAndCompare(registry, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
	c.release(reader)
	if n, _ := testutil.GatherAndCount(registry); n != 0 {
		t.Fatalf("after the manager stopped: %d series, want none", n)
	}
}
