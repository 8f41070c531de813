package services

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

func TestSummarizeSubscriptionStatus(t *testing.T) {
	mailbox := func(quantity int32, holders, refused []string) iamv1alpha1.ServiceUsage {
		return iamv1alpha1.ServiceUsage{ServiceClass: "mailbox", Quantity: quantity, Used: int32(len(holders)), Holders: holders, Refused: refused}
	}
	tests := []struct {
		name        string
		usage       []iamv1alpha1.ServiceUsage
		closed      *reconcile.Verdict
		wantStatus  metav1.ConditionStatus
		wantReason  string
		wantMessage string
	}{
		{name: "seats left", usage: []iamv1alpha1.ServiceUsage{
			mailbox(10, []string{"a/mailbox", "b/mailbox", "c/mailbox"}, nil),
			{ServiceClass: "vps", Quantity: 2}},
			wantStatus: metav1.ConditionTrue, wantReason: iamv1alpha1.ReasonSubscriptionActive,
			wantMessage: "3 of 10 mailbox used, 0 of 2 vps used"},
		{name: "full, with assignments refused", usage: []iamv1alpha1.ServiceUsage{mailbox(1, []string{"a/mailbox"}, []string{"b/mailbox"})},
			wantStatus: metav1.ConditionTrue, wantReason: iamv1alpha1.ReasonSubscriptionActive,
			wantMessage: "1 of 1 mailbox used (1 refused)"},
		{name: "quantity lowered below its holders", usage: []iamv1alpha1.ServiceUsage{mailbox(1, []string{"a/mailbox", "b/mailbox"}, nil)},
			wantStatus: metav1.ConditionFalse, wantReason: iamv1alpha1.ReasonOverQuota,
			wantMessage: "over quantity: 2 of 1 mailbox used: no seat is given out until assignments are removed or the quantity is raised"},
		{name: "expired", usage: []iamv1alpha1.ServiceUsage{mailbox(1, nil, []string{"a/mailbox"})},
			closed:     &reconcile.Verdict{Reason: iamv1alpha1.ReasonExpired, Message: "subscription basic expired at 2026-01-01T00:00:00Z"},
			wantStatus: metav1.ConditionFalse, wantReason: iamv1alpha1.ReasonExpired,
			wantMessage: "subscription basic expired at 2026-01-01T00:00:00Z: no new seats are given out; 0 of 1 mailbox used (1 refused)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := &iamv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Name: "basic", Generation: 3}}
			summarizeSubscriptionStatus(sub, tt.usage, tt.closed)
			ready := conditions.Get(sub, iamv1alpha1.ReadyCondition)
			if ready == nil {
				t.Fatal("no Ready condition")
			}
			got := []string{string(ready.Status), ready.Reason, ready.Message}
			if diff := cmp.Diff([]string{string(tt.wantStatus), tt.wantReason, tt.wantMessage}, got); diff != "" {
				t.Errorf("Ready (-want +got):\n%s", diff)
			}
			if sub.Status.ObservedGeneration != 3 || ready.ObservedGeneration != 3 {
				t.Errorf("observedGeneration %d, on Ready %d, want 3", sub.Status.ObservedGeneration, ready.ObservedGeneration)
			}
		})
	}
}

func TestSubscriptionSummaryFitsTheSchema(t *testing.T) {
	usage := make([]iamv1alpha1.ServiceUsage, 0, 32)
	for range 32 {
		usage = append(usage, iamv1alpha1.ServiceUsage{ServiceClass: strings.Repeat("x", 63), Quantity: 1000000, Used: 1000000})
	}
	sub := &iamv1alpha1.Subscription{}
	summarizeSubscriptionStatus(sub, usage, nil)
	if n := len(sub.Status.Summary); n > maxSummary {
		t.Errorf("summary of %d characters, the schema admits %d", n, maxSummary)
	}
}

func TestSubscriptionSeatChanges(t *testing.T) {
	before := []iamv1alpha1.ServiceUsage{{ServiceClass: "mailbox", Quantity: 1, Used: 1,
		Holders: []string{"alice/mailbox"}, Refused: []string{"bob/mailbox", "carol/mailbox"}}}
	after := []iamv1alpha1.ServiceUsage{{ServiceClass: "mailbox", Quantity: 1, Used: 1,
		Holders: []string{"bob/mailbox"}, Refused: []string{"carol/mailbox", "dave/mailbox"}}}
	events := seatChanges(before, after)
	got := make([]string, 0, len(events))
	for _, e := range events {
		got = append(got, e.eventType+" "+e.reason+": "+e.message)
	}
	want := []string{
		"Warning SeatRefused: dave/mailbox was refused a mailbox seat: 1 of 1 are held",
		"Normal SeatGranted: bob/mailbox got a mailbox seat it waited for",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if events := seatChanges(after, after); len(events) != 0 {
		t.Errorf("a pass that changed nothing told %v", events)
	}
}

func TestSubscriptionUntilValidityChanges(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(d)} }
	tests := []struct {
		name     string
		from, to *metav1.Time
		want     time.Duration
	}{
		{"no dates", nil, nil, 0},
		{"opens later", at(time.Hour), at(2 * time.Hour), time.Hour},
		{"open, closes later", at(-time.Hour), at(30 * time.Minute), 30 * time.Minute},
		{"closed for good", nil, at(-time.Minute), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := &iamv1alpha1.Subscription{Spec: iamv1alpha1.SubscriptionSpec{ValidFrom: tt.from, ValidUntil: tt.to}}
			if got := untilValidityChanges(sub, now); got != tt.want {
				t.Errorf("untilValidityChanges = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRoundGrowsWithTheHolders(t *testing.T) {
	holding := func(counts ...int) *iamv1alpha1.Subscription {
		sub := &iamv1alpha1.Subscription{}
		for i, n := range counts {
			usage := iamv1alpha1.ServiceUsage{ServiceClass: fmt.Sprintf("class-%d", i)}
			for j := range n {
				usage.Holders = append(usage.Holders, fmt.Sprintf("user-%05d/storage", j))
			}
			sub.Status.Services = append(sub.Status.Services, usage)
		}
		return sub
	}
	cases := map[string]struct {
		sub  *iamv1alpha1.Subscription
		want time.Duration
	}{
		"no seats given yet":            {holding(), 250 * time.Millisecond},
		"a small account":               {holding(20), 255 * time.Millisecond},
		"a thousand holders":            {holding(1000), 500 * time.Millisecond},
		"ten thousand over two classes": {holding(6000, 4000), 2750 * time.Millisecond},
	}
	for name, tc := range cases {
		if got := roundFor(tc.sub); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}
