package services

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestEntrySeat(t *testing.T) {
	object := &iamv1alpha1.ServiceObjectReference{APIVersion: "v1", Kind: "ConfigMap", Namespace: "acme", Name: "alice-mail"}
	tests := []struct {
		name               string
		prev               *iamv1alpha1.ServiceStatus
		newSeatHeld        bool
		wantClass, wantSub string
	}{
		{name: "a first claim names the seat it asks for",
			wantClass: "large", wantSub: "pro"},
		{name: "an entry without an object holds nothing to keep",
			prev:      &iamv1alpha1.ServiceStatus{Name: "mail", ServiceClass: "small", Subscription: "basic"},
			wantClass: "large", wantSub: "pro"},
		{name: "an object of the old class keeps its seat until the new one is held",
			prev:      &iamv1alpha1.ServiceStatus{Name: "mail", ServiceClass: "small", Subscription: "basic", Object: object},
			wantClass: "small", wantSub: "basic"},
		{name: "an object moved to another subscription keeps the old seat until the new one is held",
			prev:      &iamv1alpha1.ServiceStatus{Name: "mail", ServiceClass: "large", Subscription: "basic", Object: object},
			wantClass: "large", wantSub: "basic"},
		{name: "once the new seat is held the entry moves to it",
			prev:        &iamv1alpha1.ServiceStatus{Name: "mail", ServiceClass: "small", Subscription: "basic", Object: object},
			newSeatHeld: true, wantClass: "large", wantSub: "pro"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			class, sub := EntrySeat(tt.prev, "large", "pro", tt.newSeatHeld)
			if class != tt.wantClass || sub != tt.wantSub {
				t.Errorf("EntrySeat = %s on %s, want %s on %s", class, sub, tt.wantClass, tt.wantSub)
			}
		})
	}
}

// A class change walked through pass by pass: alice moves her mail from
// small to large while bob waits for the only small seat. Bob gets it only
// once alice's small object is gone, never while it lives.
func TestSeatIsHeldUntilItsObjectIsGone(t *testing.T) {
	subs := []iamv1alpha1.Subscription{subscription("basic", "small", 1, "large", 1)}
	small := &iamv1alpha1.ServiceObjectReference{APIVersion: "v1", Kind: "ConfigMap", Namespace: "acme", Name: "alice-mail-small"}
	large := &iamv1alpha1.ServiceObjectReference{APIVersion: "v1", Kind: "Secret", Namespace: "acme", Name: "alice-mail-large"}
	entry := func(class string, object *iamv1alpha1.ServiceObjectReference, phase iamv1alpha1.ServicePhase) iamv1alpha1.ServiceStatus {
		return iamv1alpha1.ServiceStatus{Name: "mail", ServiceClass: class, Subscription: "basic", Object: object, Phase: phase}
	}
	bob := user("bob", t0.Add(time.Minute), assign("small", "basic"))
	steps := []struct {
		name      string
		class     string // alice's assignment
		status    []iamv1alpha1.ServiceStatus
		wantSmall []string
		wantLarge []string
	}{
		{name: "alice holds small", class: "small",
			status:    []iamv1alpha1.ServiceStatus{entry("small", small, iamv1alpha1.ServicePhaseReady)},
			wantSmall: []string{"alice/mail"}},
		{name: "alice asks for large; her small object lives", class: "large",
			status:    []iamv1alpha1.ServiceStatus{entry("small", small, iamv1alpha1.ServicePhaseReady)},
			wantSmall: []string{"alice/mail"}, wantLarge: []string{"alice/mail"}},
		{name: "the small object is being removed", class: "large",
			status:    []iamv1alpha1.ServiceStatus{entry("small", small, iamv1alpha1.ServicePhaseRemoving)},
			wantSmall: []string{"alice/mail"}, wantLarge: []string{"alice/mail"}},
		{name: "gone: large is provisioned and small is free for bob", class: "large",
			status:    []iamv1alpha1.ServiceStatus{entry("large", large, iamv1alpha1.ServicePhaseReady)},
			wantSmall: []string{"bob/small"}, wantLarge: []string{"alice/mail"}},
	}
	previous := map[string][]string{}
	for _, step := range steps {
		alice := user("alice", t0, iamv1alpha1.ServiceAssignment{Name: "mail", ServiceClass: step.class, Subscription: "basic"})
		alice.Status.Services = step.status
		claims := ClaimsOn("basic", []iamv1alpha1.User{alice, bob}, subs, nil)
		for class, want := range map[string][]string{"small": step.wantSmall, "large": step.wantLarge} {
			var ofClass []Claim
			for _, c := range claims {
				if c.Class == class {
					ofClass = append(ofClass, c)
				}
			}
			holders, _ := Allocate(1, true, previous[class], ofClass)
			if diff := cmp.Diff(want, holders); diff != "" {
				t.Errorf("%s: holders of %s (-want +got):\n%s", step.name, class, diff)
			}
			previous[class] = holders
		}
	}
}

// TestUnclaimedHolders: a holder is unclaimed when no claim names it for
// the class it holds, whatever it claims in another class.
func TestUnclaimedHolders(t *testing.T) {
	sub := &iamv1alpha1.Subscription{Status: iamv1alpha1.SubscriptionStatus{Services: []iamv1alpha1.ServiceUsage{
		{ServiceClass: "mailbox", Holders: []string{"alice/mail", "bob/mail"}},
		{ServiceClass: "storage", Holders: []string{"alice/files"}},
	}}}
	tests := []struct {
		name   string
		claims []Claim
		want   []Claim
	}{
		{"every holder claims", []Claim{{Key: "alice/mail", Class: "mailbox"}, {Key: "bob/mail", Class: "mailbox"}, {Key: "alice/files", Class: "storage"}}, nil},
		{"one claim gone", []Claim{{Key: "alice/mail", Class: "mailbox"}, {Key: "alice/files", Class: "storage"}}, []Claim{{Key: "bob/mail", Class: "mailbox"}}},
		{"claimed in another class only", []Claim{{Key: "alice/mail", Class: "mailbox"}, {Key: "bob/mail", Class: "mailbox"}, {Key: "alice/files", Class: "mailbox"}},
			[]Claim{{Key: "alice/files", Class: "storage"}}},
		{"no claims", nil, []Claim{{Key: "alice/mail", Class: "mailbox"}, {Key: "bob/mail", Class: "mailbox"}, {Key: "alice/files", Class: "storage"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, UnclaimedHolders(sub, tt.claims)); diff != "" {
				t.Errorf("UnclaimedHolders (-want +got):\n%s", diff)
			}
		})
	}
}
