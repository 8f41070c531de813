//go:build chaos

package chaos

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// The service churn's size. Its defaults keep `make test-chaos` within a
// few minutes; CHAOS_FLAGS='-service-steps=400 -service-kills=10' is the
// big run.
var (
	flagServiceUsers = flag.Int("service-users", 10, "users whose services churn, spread over two accounts")
	flagServiceSteps = flag.Int("service-steps", 80, "assignment changes: assign, unassign, change class")
	flagServiceKills = flag.Int("service-kills", 4, "times the manager is SIGKILLed during the service churn")
	flagServiceSeats = flag.Int("service-seats", 2, "seats of each class in each account's subscription")
)

const (
	// churnPace spaces the assignment changes, so the manager works on
	// them (and is killed doing so) rather than only on the last.
	churnPace = 100 * time.Millisecond
	// lingerFinalizer is the finalizer the churn's provider keeps on every
	// service object for lingerFor after its deletion starts: a class
	// change or an unassignment is in flight for that long, with the old
	// object still there.
	lingerFinalizer = "chaos.tenantry.test/linger"
	lingerFor       = 700 * time.Millisecond
	// sampleEvery is how often the provider counts the live objects.
	sampleEvery = 100 * time.Millisecond
	// assignmentName is the one assignment each user has, or has not.
	assignmentName = "mail"
)

// Users are assigned a service, unassigned, and moved between two classes
// (one renders the same object, the other another one) while the manager
// is SIGKILLed: a kill between an apply and the status recording it is
// what leaves an orphan, and a class change is what freed a seat before
// its object was gone. Sampled all along: no account ever has more live
// objects of a class than its subscription's seats. Once settled: every
// labelled object is named in its user's status.
func TestServiceChurn(t *testing.T) {
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	seats := int32(*flagServiceSeats)
	t.Logf("seed %d (replay with -seed=%d): %d users in 2 accounts, %d assignment changes, %d kills, %d seats per class",
		seed, seed, *flagServiceUsers, *flagServiceSteps, *flagServiceKills, seats)
	ctx := context.Background()

	_, mgrs := startManagers(t, ctx)

	classes := churnClasses(t)
	accounts := createAccounts(t, 2)
	for _, ns := range accounts {
		sub := &iamv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "basic"}}
		for _, class := range classes {
			sub.Spec.Services = append(sub.Spec.Services, iamv1alpha1.SubscribedService{ServiceClass: class, Quantity: seats})
		}
		if err := admin.Create(ctx, sub); err != nil {
			t.Fatalf("create subscription: %v", err)
		}
	}
	provider := startChurnProvider(t, accounts, seats)

	c := &churn{ctx: ctx, accounts: accounts, classes: classes, managers: mgrs, rng: rand.New(rand.NewPCG(seed, 2))}
	for n := range *flagServiceUsers {
		if err := c.createUser(n); err != nil {
			t.Fatal(err)
		}
	}
	began := time.Now()
	if err := c.run(*flagServiceSteps, *flagServiceKills); err != nil {
		t.Fatalf("churn: %v", err)
	}
	t.Logf("churn done in %s: %d assigned, %d unassigned, %d class changes, %d refused by admission, %d kills",
		time.Since(began).Round(time.Second), c.tally.assigned, c.tally.unassigned, c.tally.changed, c.tally.refused, c.tally.kills)

	left, err := waitServicesSettled(ctx, accounts, *flagSettle)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("settled %s after the churn: %d service objects", time.Since(began).Round(time.Second), left)
	samples, overruns := provider.stop()
	t.Logf("seats: %d samples, %d live objects at most in one account and class (of %d seats)", samples, provider.peak(), seats)
	report(t, "seats", overruns)
	st, err := readServices(ctx, accounts)
	if err != nil {
		t.Fatal(err)
	}
	report(t, "orphans", orphans(st))
}

// churnClasses creates two classes of ConfigMaps: "small" renders the
// default name, "large" a name of its own, so moving from one to the other
// replaces the object (the old one goes first). Both carry the churn
// provider's finalizer and are provisioned without waiting for the
// invitation.
func churnClasses(t *testing.T) []string {
	t.Helper()
	names := make([]string, 0, 2)
	for _, c := range []struct{ name, objectName string }{
		{"chaos-small", ""},
		{"chaos-large", "${user.name}-${assignment}-large"},
	} {
		metadata := map[string]any{"finalizers": []any{lingerFinalizer}}
		if c.objectName != "" {
			metadata["name"] = c.objectName
		}
		template, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
			"data": map[string]any{"class": c.name, "email": "${user.email}"}})
		if err != nil {
			t.Fatal(err)
		}
		class := &iamv1alpha1.ServiceClass{
			ObjectMeta: metav1.ObjectMeta{Name: c.name},
			Spec: iamv1alpha1.ServiceClassSpec{
				DisplayName: c.name, ColumnName: strings.TrimPrefix(c.name, "chaos-"),
				Template: runtime.RawExtension{Raw: template}, ProvisionWhileInvited: true,
			},
		}
		if err := admin.Create(context.Background(), class); err != nil {
			t.Fatalf("create service class: %v", err)
		}
		t.Cleanup(func() { _ = admin.Delete(context.Background(), class) })
		names = append(names, c.name)
	}
	return names
}

// churnTally counts what the churn did, for the report.
type churnTally struct {
	assigned, unassigned, changed, refused, kills int
}

// churn changes users' assignments as administrators would, while the
// manager is killed.
type churn struct {
	ctx      context.Context
	accounts []string
	classes  []string
	managers *managers
	rng      *rand.Rand
	users    []client.ObjectKey
	tally    churnTally
}

func (c *churn) createUser(n int) error {
	ns := c.accounts[n%len(c.accounts)]
	name := fmt.Sprintf("s-%04d", n)
	user := &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       iamv1alpha1.UserSpec{FullName: fmt.Sprintf("Churn User %d", n), Email: fmt.Sprintf("%s@%s.chaos.example", name, ns)},
	}
	c.users = append(c.users, client.ObjectKeyFromObject(user))
	return retryWrites(c.ctx, func() error {
		err := admin.Create(c.ctx, user.DeepCopy())
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	})
}

// run makes steps assignment changes, one every churnPace, with kills
// spread among them at places drawn from the seed.
func (c *churn) run(steps, kills int) error {
	killAt := map[int]int{}
	for range kills {
		killAt[c.rng.IntN(steps)]++
	}
	pace := time.NewTicker(churnPace)
	defer pace.Stop()
	for i := range steps {
		for range killAt[i] {
			if err := c.kill(); err != nil {
				return err
			}
		}
		if err := c.change(c.users[c.rng.IntN(len(c.users))]); err != nil {
			return fmt.Errorf("step %d: %w", i, err)
		}
		<-pace.C
	}
	return nil
}

// kill SIGKILLs a manager that has started working and starts another.
func (c *churn) kill() error {
	if err := c.managers.waitReady(c.ctx); err != nil {
		return err
	}
	if err := c.managers.kill(); err != nil {
		return err
	}
	c.tally.kills++
	return c.managers.start(false)
}

// change assigns the user's service when it has none, and otherwise
// unassigns it or moves it to the other class. Admission refusing a seat
// is an answer, not a failure.
func (c *churn) change(key client.ObjectKey) error {
	pick := c.rng.IntN(2)
	class := c.classes[c.rng.IntN(len(c.classes))]
	return retryWrites(c.ctx, func() error {
		user := &iamv1alpha1.User{}
		if err := admin.Get(c.ctx, key, user); err != nil {
			return err
		}
		var counter *int
		switch {
		case len(user.Spec.Services) == 0:
			user.Spec.Services = []iamv1alpha1.ServiceAssignment{{Name: assignmentName, ServiceClass: class, Subscription: "basic"}}
			counter = &c.tally.assigned
		case pick == 0:
			user.Spec.Services = nil
			counter = &c.tally.unassigned
		default:
			other := c.classes[0]
			if user.Spec.Services[0].ServiceClass == other {
				other = c.classes[1]
			}
			user.Spec.Services[0].ServiceClass = other
			counter = &c.tally.changed
		}
		err := admin.Update(c.ctx, user)
		switch {
		case err == nil:
			*counter++
			return nil
		case apierrors.IsForbidden(err):
			c.tally.refused++
			return nil
		}
		return err
	})
}

// churnProvider plays the operator behind the service objects: it lets a
// deleted object go lingerFor after its deletion started, and counts the
// live objects of each account and class at every sample.
type churnProvider struct {
	accounts []string
	seats    int32
	cancel   context.CancelFunc
	done     chan struct{}

	mu       sync.Mutex
	samples  int
	most     int32
	overruns []string
}

func startChurnProvider(t *testing.T, accounts []string, seats int32) *churnProvider {
	ctx, cancel := context.WithCancel(context.Background())
	p := &churnProvider{accounts: accounts, seats: seats, cancel: cancel, done: make(chan struct{})}
	t.Cleanup(func() { p.stop() })
	go func() {
		defer close(p.done)
		tick := time.NewTicker(sampleEvery)
		defer tick.Stop()
		for {
			p.sample(ctx)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// sample counts the service objects, those being deleted included: a seat
// is held until its object is gone. Then it releases the objects that
// have lingered long enough.
func (p *churnProvider) sample(ctx context.Context) {
	for _, ns := range p.accounts {
		list := &corev1.ConfigMapList{}
		if err := admin.List(ctx, list, client.InNamespace(ns), client.HasLabels{iamv1alpha1.ServiceClassLabel}); err != nil {
			continue
		}
		live := map[string][]string{}
		for i := range list.Items {
			cm := &list.Items[i]
			class := cm.Labels[iamv1alpha1.ServiceClassLabel]
			live[class] = append(live[class], cm.Name)
			if cm.DeletionTimestamp != nil && time.Since(cm.DeletionTimestamp.Time) >= lingerFor {
				p.release(ctx, cm)
			}
		}
		p.mu.Lock()
		p.samples++
		for class, names := range live {
			p.most = max(p.most, int32(len(names)))
			if int32(len(names)) > p.seats {
				sort.Strings(names)
				p.overruns = append(p.overruns, fmt.Sprintf("%s: %d live %s objects for %d seats at %s: %s",
					ns, len(names), class, p.seats, time.Now().Format("15:04:05.000"), strings.Join(names, ", ")))
			}
		}
		p.mu.Unlock()
	}
}

func (p *churnProvider) release(ctx context.Context, cm *corev1.ConfigMap) {
	var kept []string
	for _, f := range cm.Finalizers {
		if f != lingerFinalizer {
			kept = append(kept, f)
		}
	}
	if len(kept) == len(cm.Finalizers) {
		return
	}
	patch := client.MergeFrom(cm.DeepCopy())
	cm.Finalizers = kept
	_ = admin.Patch(ctx, cm, patch) // a failure is tried again at the next sample
}

// stop ends the sampling and returns how many samples were taken and
// every overrun seen.
func (p *churnProvider) stop() (int, []string) {
	p.cancel()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.samples, p.overruns
}

func (p *churnProvider) peak() int32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.most
}

// serviceState is the churn's accounts as the API server holds them.
type serviceState struct {
	users   []iamv1alpha1.User
	objects []corev1.ConfigMap
}

func readServices(ctx context.Context, accounts []string) (serviceState, error) {
	var st serviceState
	for _, ns := range accounts {
		users := &iamv1alpha1.UserList{}
		if err := admin.List(ctx, users, client.InNamespace(ns)); err != nil {
			return st, fmt.Errorf("list users of %s: %w", ns, err)
		}
		objects := &corev1.ConfigMapList{}
		if err := admin.List(ctx, objects, client.InNamespace(ns), client.HasLabels{iamv1alpha1.ServiceClassLabel}); err != nil {
			return st, fmt.Errorf("list service objects of %s: %w", ns, err)
		}
		st.users = append(st.users, users.Items...)
		st.objects = append(st.objects, objects.Items...)
	}
	return st, nil
}

// orphans lists the labelled objects that their user's status does not
// name, or whose user does not exist.
func orphans(st serviceState) []string {
	named := map[string]bool{}
	for _, u := range st.users {
		for _, s := range u.Status.Services {
			if s.Object != nil && s.Object.Kind == "ConfigMap" {
				named[u.Namespace+"/"+u.Name+"/"+s.Object.Name] = true
			}
		}
	}
	var out []string
	for _, cm := range st.objects {
		owner := cm.Labels[iamv1alpha1.AccountLabel] + "/" + cm.Labels[iamv1alpha1.UserLabel]
		if !named[owner+"/"+cm.Name] {
			out = append(out, fmt.Sprintf("ConfigMap %s/%s (class %s) is labelled for user %s, whose status does not name it",
				cm.Namespace, cm.Name, cm.Labels[iamv1alpha1.ServiceClassLabel], owner))
		}
	}
	sort.Strings(out)
	return out
}

// servicesUnsettled lists what is still moving: a service object being
// deleted or not named by any status, a user whose status lags behind its
// spec or that is still reconciling.
func servicesUnsettled(st serviceState) []string {
	out := orphans(st)
	for _, cm := range st.objects {
		if cm.DeletionTimestamp != nil {
			out = append(out, fmt.Sprintf("ConfigMap %s/%s is being deleted", cm.Namespace, cm.Name))
		}
	}
	for _, u := range st.users {
		name := u.Namespace + "/" + u.Name
		switch {
		case u.Status.ObservedGeneration != u.Generation:
			out = append(out, fmt.Sprintf("user %s: observedGeneration %d of %d", name, u.Status.ObservedGeneration, u.Generation))
		case conditionTrue(u.Status.Conditions, iamv1alpha1.ReconcilingCondition):
			out = append(out, fmt.Sprintf("user %s is still reconciling: %s", name, describeServiceStatus(u.Status.Services)))
		}
	}
	sort.Strings(out)
	return out
}

func conditionTrue(conds []metav1.Condition, conditionType string) bool {
	for _, c := range conds {
		if c.Type == conditionType {
			return c.Status == metav1.ConditionTrue
		}
	}
	return false
}

func describeServiceStatus(list []iamv1alpha1.ServiceStatus) string {
	parts := make([]string, 0, len(list))
	for _, s := range list {
		parts = append(parts, fmt.Sprintf("%s %s %s/%s: %s", s.Name, s.ServiceClass, s.Phase, s.Reason, s.Message))
	}
	return strings.Join(parts, "; ")
}

// waitServicesSettled polls until nothing moves and returns how many
// service objects are left, or reports what still moves.
func waitServicesSettled(ctx context.Context, accounts []string, timeout time.Duration) (int, error) {
	var st serviceState
	var left []string
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		var err error
		if st, err = readServices(ctx, accounts); err != nil {
			return false, err
		}
		left = servicesUnsettled(st)
		return len(left) == 0, nil
	})
	if err != nil {
		if len(left) > 20 {
			left = append(left[:20], fmt.Sprintf("… and %d more", len(left)-20))
		}
		return 0, fmt.Errorf("services not settled after %s: %w:\n  %s", timeout, err, strings.Join(left, "\n  "))
	}
	return len(st.objects), nil
}
