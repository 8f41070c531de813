package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// labelNamespace is the account a gauge counts in.
const labelNamespace = "namespace"

var (
	usersDesc = prometheus.NewDesc("tenantry_users",
		"Users by account (namespace) and phase.", []string{labelNamespace, "phase"}, nil)
	usersStalledDesc = prometheus.NewDesc("tenantry_users_stalled",
		"Users whose Stalled condition is True: the controller cannot make progress without a person.", []string{labelNamespace}, nil)
	serviceAssignmentsDesc = prometheus.NewDesc("tenantry_service_assignments",
		"Users' assigned services by account and state (status.services phase).", []string{labelNamespace, "state"}, nil)
	subscriptionSeatsDesc = prometheus.NewDesc("tenantry_subscription_seats",
		"Seats of a subscribed service class: kind=used (given out) or kind=quantity (bought).",
		[]string{labelNamespace, "subscription", "service_class", "kind"}, nil)
	transactionsPendingDesc = prometheus.NewDesc("tenantry_transactions_pending",
		"Balance transactions not yet applied or rejected, by account.", []string{labelNamespace}, nil)
	oldestPendingDesc = prometheus.NewDesc("tenantry_transactions_oldest_pending_seconds",
		"Age of an account's oldest balance transaction not yet applied or rejected.", []string{labelNamespace}, nil)
	usersCreatedDesc = prometheus.NewDesc("tenantry_users_created",
		"Users of an account created within the window (7d or 30d), soft-deleted ones left out.", []string{labelNamespace, "within"}, nil)
	usersSignedInDesc = prometheus.NewDesc("tenantry_users_signed_in",
		"Users of an account who signed in within the window (30d), soft-deleted ones left out.", []string{labelNamespace, "within"}, nil)
)

// scrapeTimeout bounds the cache reads of one scrape; a cache read waits
// only while the cache syncs.
const scrapeTimeout = 10 * time.Second

// clusterCollector reads the states from the running manager's cache at
// each scrape. Until a manager runs it reports nothing.
type clusterCollector struct {
	mu     sync.Mutex
	reader client.Reader
	clock  clock.PassiveClock
}

var cluster = &clusterCollector{clock: clock.RealClock{}}

// ReadCache returns a Runnable for mgr that makes the scrapes read its
// cache for as long as it runs. It runs on every replica: each serves its
// own /metrics, and each has a cache.
func ReadCache(mgr manager.Manager) manager.Runnable {
	return manager.RunnableFunc(func(ctx context.Context) error {
		cluster.use(mgr.GetCache())
		<-ctx.Done()
		cluster.release(mgr.GetCache())
		return nil
	})
}

func (c *clusterCollector) use(r client.Reader) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reader = r
}

// release forgets r unless another manager (tests run several in turn)
// has taken its place.
func (c *clusterCollector) release(r client.Reader) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reader == r {
		c.reader = nil
	}
}

func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{usersDesc, usersStalledDesc, serviceAssignmentsDesc,
		subscriptionSeatsDesc, transactionsPendingDesc, oldestPendingDesc, usersCreatedDesc, usersSignedInDesc} {
		ch <- d
	}
}

func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	reader := c.reader
	c.mu.Unlock()
	if reader == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	log := ctrl.Log.WithName("metrics")
	// A list that fails leaves its metrics out of this scrape rather than
	// failing the whole scrape: the controllers' metrics still matter.
	users := &iamv1alpha1.UserList{}
	if err := reader.List(ctx, users); err != nil {
		log.Error(err, "cannot list users for the metrics")
	} else {
		collectUsers(ch, users.Items)
		collectActivity(ch, users.Items, c.clock.Now())
	}
	subscriptions := &iamv1alpha1.SubscriptionList{}
	if err := reader.List(ctx, subscriptions); err != nil {
		log.Error(err, "cannot list subscriptions for the metrics")
	} else {
		collectSeats(ch, subscriptions.Items)
	}
	txs := &iamv1alpha1.BalanceTransactionList{}
	if err := reader.List(ctx, txs); err != nil {
		log.Error(err, "cannot list balance transactions for the metrics")
	} else {
		collectPending(ch, txs.Items, c.clock.Now())
	}
}

// counts are gauge values by label values.
type counts map[[2]string]float64

func (cs counts) emit(ch chan<- prometheus.Metric, desc *prometheus.Desc, labels int) {
	for key, n := range cs {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, n, key[:labels]...)
	}
}

func collectUsers(ch chan<- prometheus.Metric, users []iamv1alpha1.User) {
	byPhase, stalled, services := counts{}, counts{}, counts{}
	for i := range users {
		u := &users[i]
		phase := string(u.Status.Phase)
		if phase == "" {
			phase = "Unknown" // not reconciled yet
		}
		byPhase[[2]string{u.Namespace, phase}]++
		if apimeta.IsStatusConditionTrue(u.Status.Conditions, iamv1alpha1.StalledCondition) {
			stalled[[2]string{u.Namespace}]++
		}
		for _, s := range u.Status.Services {
			services[[2]string{u.Namespace, string(s.Phase)}]++
		}
	}
	byPhase.emit(ch, usersDesc, 2)
	stalled.emit(ch, usersStalledDesc, 1)
	services.emit(ch, serviceAssignmentsDesc, 2)
}

// collectActivity reports the portal's statistics per account, counted as
// the plugin counts them (internal/stats).
func collectActivity(ch chan<- prometheus.Metric, users []iamv1alpha1.User, now time.Time) {
	for _, t := range stats.ByAccount(users, now) {
		ch <- prometheus.MustNewConstMetric(usersCreatedDesc, prometheus.GaugeValue, float64(t.CreatedWeek), t.Account, "7d")
		ch <- prometheus.MustNewConstMetric(usersCreatedDesc, prometheus.GaugeValue, float64(t.CreatedMonth), t.Account, "30d")
		ch <- prometheus.MustNewConstMetric(usersSignedInDesc, prometheus.GaugeValue, float64(t.SignedInMonth), t.Account, "30d")
	}
}

func collectSeats(ch chan<- prometheus.Metric, subscriptions []iamv1alpha1.Subscription) {
	for _, s := range subscriptions {
		for _, usage := range s.Status.Services {
			for kind, n := range map[string]int32{"used": usage.Used, "quantity": usage.Quantity} {
				ch <- prometheus.MustNewConstMetric(subscriptionSeatsDesc, prometheus.GaugeValue, float64(n),
					s.Namespace, s.Name, usage.ServiceClass, kind)
			}
		}
	}
}

func collectPending(ch chan<- prometheus.Metric, txs []iamv1alpha1.BalanceTransaction, now time.Time) {
	pending, oldest := counts{}, map[string]time.Time{}
	for _, tx := range txs {
		if tx.Status.Phase != "" && tx.Status.Phase != iamv1alpha1.TransactionPending {
			continue
		}
		pending[[2]string{tx.Namespace}]++
		if created := tx.CreationTimestamp.Time; oldest[tx.Namespace].IsZero() || created.Before(oldest[tx.Namespace]) {
			oldest[tx.Namespace] = created
		}
	}
	pending.emit(ch, transactionsPendingDesc, 1)
	for ns, created := range oldest {
		ch <- prometheus.MustNewConstMetric(oldestPendingDesc, prometheus.GaugeValue, now.Sub(created).Seconds(), ns)
	}
}
