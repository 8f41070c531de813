package services

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// subscription offers each class in quantities (class, quantity, class,
// quantity, ...).
func subscription(name string, offers ...any) iamv1alpha1.Subscription {
	sub := iamv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme"}}
	for i := 0; i < len(offers); i += 2 {
		sub.Spec.Services = append(sub.Spec.Services, iamv1alpha1.SubscribedService{
			ServiceClass: offers[i].(string), Quantity: int32(offers[i+1].(int))})
	}
	return sub
}

func assign(class, subscription string) iamv1alpha1.ServiceAssignment {
	return iamv1alpha1.ServiceAssignment{ServiceClass: class, Subscription: subscription}
}

func user(name string, created time.Time, services ...iamv1alpha1.ServiceAssignment) iamv1alpha1.User {
	return iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme", CreationTimestamp: metav1.NewTime(created)},
		Spec:       iamv1alpha1.UserSpec{Services: services},
	}
}

func TestResolve(t *testing.T) {
	basic := subscription("basic", "mailbox", 10)
	pro := subscription("pro", "mailbox", 5, "vps", 1)
	leaving := subscription("old", "mailbox", 5)
	leaving.DeletionTimestamp = &metav1.Time{Time: t0}
	tests := []struct {
		name       string
		assignment iamv1alpha1.ServiceAssignment
		recorded   string
		subs       []iamv1alpha1.Subscription
		want       string // subscription, or the failure's reason
	}{
		{"the only one offering the class", assign("vps", ""), "", []iamv1alpha1.Subscription{basic, pro}, "pro"},
		{"the one named", assign("mailbox", "basic"), "", []iamv1alpha1.Subscription{basic, pro}, "basic"},
		{"the one recorded, though another offers the class too", assign("mailbox", ""), "pro", []iamv1alpha1.Subscription{basic, pro}, "pro"},
		{"the one named over the one recorded", assign("mailbox", "basic"), "pro", []iamv1alpha1.Subscription{basic, pro}, "basic"},
		{"two offer the class", assign("mailbox", ""), "", []iamv1alpha1.Subscription{basic, pro}, iamv1alpha1.ReasonSubscriptionAmbiguous},
		{"one being deleted does not count", assign("mailbox", ""), "", []iamv1alpha1.Subscription{basic, leaving}, "basic"},
		{"none offers the class", assign("storage", ""), "", []iamv1alpha1.Subscription{basic, pro}, iamv1alpha1.ReasonNotSubscribed},
		{"the one named does not offer it", assign("vps", "basic"), "", []iamv1alpha1.Subscription{basic, pro}, iamv1alpha1.ReasonNotSubscribed},
		{"the one named does not exist", assign("mailbox", "gold"), "", []iamv1alpha1.Subscription{basic, pro}, iamv1alpha1.ReasonSubscriptionNotFound},
		{"the account has none", assign("mailbox", ""), "", nil, iamv1alpha1.ReasonNotSubscribed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Resolve(tt.assignment, tt.recorded, tt.subs)
			if got.Subscription != "" && got.Reason != "" {
				t.Fatalf("Resolve = %+v: both a subscription and a reason", got)
			}
			if outcome := got.Subscription + got.Reason; outcome != tt.want {
				t.Errorf("Resolve = %+v, want %s", got, tt.want)
			}
			if got.Reason != "" && got.Message == "" {
				t.Errorf("Resolve = %+v: a failure without a message", got)
			}
		})
	}
}

func TestRecorded(t *testing.T) {
	u := user("alice", t0)
	u.Status.Services = []iamv1alpha1.ServiceStatus{
		{Name: "mailbox", ServiceClass: "mailbox", Subscription: "basic"},
		{Name: "box", ServiceClass: "mailbox", Subscription: "pro"},
	}
	tests := []struct {
		name       string
		assignment iamv1alpha1.ServiceAssignment
		want       string
	}{
		{"by the default name", assign("mailbox", ""), "basic"},
		{"by a name of its own", iamv1alpha1.ServiceAssignment{Name: "box", ServiceClass: "mailbox"}, "pro"},
		{"not for another class under the same name", iamv1alpha1.ServiceAssignment{Name: "mailbox", ServiceClass: "vps"}, ""},
		{"nothing recorded", assign("vps", ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Recorded(&u, tt.assignment); got != tt.want {
				t.Errorf("Recorded = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidity(t *testing.T) {
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: t0.Add(d)} }
	tests := []struct {
		name     string
		from, to *metav1.Time
		want     string
	}{
		{"no dates", nil, nil, ""},
		{"within the dates", at(-time.Hour), at(time.Hour), ""},
		{"from now on", at(0), nil, ""},
		{"before validFrom", at(time.Second), nil, iamv1alpha1.ReasonNotYetValid},
		{"at validUntil", nil, at(0), iamv1alpha1.ReasonExpired},
		{"after validUntil", at(-2 * time.Hour), at(-time.Hour), iamv1alpha1.ReasonExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := subscription("basic", "mailbox", 1)
			sub.Spec.ValidFrom, sub.Spec.ValidUntil = tt.from, tt.to
			reason, message := Validity(&sub, t0)
			if reason != tt.want {
				t.Errorf("Validity = %q (%s), want %q", reason, message, tt.want)
			}
			if (reason == "") != (message == "") {
				t.Errorf("Validity = %q, %q: a reason goes with a message", reason, message)
			}
		})
	}
}

func TestClaimsOn(t *testing.T) {
	basic := subscription("basic", "mailbox", 10)
	pro := subscription("pro", "mailbox", 5, "vps", 1)
	subs := []iamv1alpha1.Subscription{basic, pro}

	alice := user("alice", t0, assign("mailbox", "basic"), assign("vps", ""))
	bob := user("bob", t0.Add(time.Minute), iamv1alpha1.ServiceAssignment{Name: "second", ServiceClass: "mailbox", Subscription: "basic"})
	// Carol's mailbox names no subscription: two offer it, but her status
	// recorded basic, so it stays there.
	carol := user("carol", t0.Add(2*time.Minute), assign("mailbox", ""))
	carol.Status.Services = []iamv1alpha1.ServiceStatus{{Name: "mailbox", ServiceClass: "mailbox", Subscription: "basic"}}
	// Dave removed his mailbox; its object is still being deleted, so its
	// seat is still taken. His removed vps has no object left.
	dave := user("dave", t0.Add(3*time.Minute))
	dave.Status.Services = []iamv1alpha1.ServiceStatus{
		{Name: "mailbox", ServiceClass: "mailbox", Subscription: "basic", Phase: iamv1alpha1.ServicePhaseRemoving,
			Object: &iamv1alpha1.ServiceObjectReference{APIVersion: "v1", Kind: "ConfigMap", Namespace: "acme", Name: "dave-mailbox"}},
		{Name: "vps", ServiceClass: "vps", Subscription: "pro", Phase: iamv1alpha1.ServicePhaseRemoving},
	}
	// Erin's mailbox is ambiguous: it claims nothing anywhere.
	erin := user("erin", t0.Add(4*time.Minute), assign("mailbox", ""))
	users := []iamv1alpha1.User{alice, bob, carol, dave, erin}

	keys := func(claims []Claim) []string {
		out := make([]string, 0, len(claims))
		for _, c := range claims {
			out = append(out, c.Key+":"+c.Class)
		}
		return out
	}
	if diff := cmp.Diff([]string{"alice/mailbox:mailbox", "bob/second:mailbox", "carol/mailbox:mailbox", "dave/mailbox:mailbox"},
		keys(ClaimsOn("basic", users, subs, nil))); diff != "" {
		t.Errorf("claims on basic (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"alice/vps:vps"}, keys(ClaimsOn("pro", users, subs, nil))); diff != "" {
		t.Errorf("claims on pro (-want +got):\n%s", diff)
	}
	if claims := ClaimsOn("basic", users, subs, nil); !claims[1].UserCreated.Equal(bob.CreationTimestamp.Time) {
		t.Errorf("a claim carries its user's age, got %v", claims[1].UserCreated)
	}
}

func TestAllocate(t *testing.T) {
	claim := func(key string, age time.Duration) Claim {
		return Claim{Key: key, Class: "mailbox", UserCreated: t0.Add(age)}
	}
	alice, bob, carol := claim("alice/mailbox", 0), claim("bob/mailbox", time.Minute), claim("carol/mailbox", 2*time.Minute)
	tests := []struct {
		name        string
		quantity    int32
		open        bool
		previous    []string
		claims      []Claim
		wantHolders []string
		wantRefused []string
	}{
		{name: "free seats go oldest user first", quantity: 2, open: true,
			claims:      []Claim{carol, bob, alice},
			wantHolders: []string{"alice/mailbox", "bob/mailbox"}, wantRefused: []string{"carol/mailbox"}},
		{name: "users created in the same second go by name", quantity: 1, open: true,
			claims:      []Claim{claim("zoe/mailbox", 0), claim("adam/mailbox", 0)},
			wantHolders: []string{"adam/mailbox"}, wantRefused: []string{"zoe/mailbox"}},
		{name: "holders keep their seats before older users", quantity: 1, open: true,
			previous: []string{"carol/mailbox"}, claims: []Claim{alice, carol},
			wantHolders: []string{"carol/mailbox"}, wantRefused: []string{"alice/mailbox"}},
		{name: "holders keep their seats when the quantity is lowered", quantity: 1, open: true,
			previous: []string{"alice/mailbox", "bob/mailbox"}, claims: []Claim{alice, bob, carol},
			wantHolders: []string{"alice/mailbox", "bob/mailbox"}, wantRefused: []string{"carol/mailbox"}},
		{name: "a released claim frees its seat for the next", quantity: 1, open: true,
			previous: []string{"alice/mailbox"}, claims: []Claim{bob, carol},
			wantHolders: []string{"bob/mailbox"}, wantRefused: []string{"carol/mailbox"}},
		{name: "closed: holders stay, nothing new is given out", quantity: 3, open: false,
			previous: []string{"alice/mailbox"}, claims: []Claim{alice, bob},
			wantHolders: []string{"alice/mailbox"}, wantRefused: []string{"bob/mailbox"}},
		{name: "quantity 0 gives out nothing", quantity: 0, open: true,
			claims: []Claim{alice}, wantRefused: []string{"alice/mailbox"}},
		{name: "no claims, no holders", quantity: 3, open: true, previous: []string{"alice/mailbox"}},
		{name: "a claim listed twice holds one seat", quantity: 2, open: true,
			claims: []Claim{alice, alice}, wantHolders: []string{"alice/mailbox"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			holders, refused := Allocate(tt.quantity, tt.open, tt.previous, tt.claims)
			if diff := cmp.Diff(tt.wantHolders, holders); diff != "" {
				t.Errorf("holders (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRefused, refused); diff != "" {
				t.Errorf("refused (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	tests := []struct {
		name  string
		usage []iamv1alpha1.ServiceUsage
		want  string
	}{
		{"nothing subscribed", nil, ""},
		{"one class", []iamv1alpha1.ServiceUsage{{ServiceClass: "mailbox", Quantity: 10, Used: 3}}, "mailbox:3/10"},
		{"in the subscription's order, over quantity too", []iamv1alpha1.ServiceUsage{
			{ServiceClass: "vps", Quantity: 1, Used: 2}, {ServiceClass: "mailbox", Quantity: 10}}, "vps:2/1 mailbox:0/10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summary(tt.usage); got != tt.want {
				t.Errorf("Summary = %q, want %q", got, tt.want)
			}
		})
	}
}
