package webhook

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestServicesAddedAssignments(t *testing.T) {
	mailbox := iamv1alpha1.ServiceAssignment{ServiceClass: "mailbox"}
	second := iamv1alpha1.ServiceAssignment{Name: "second", ServiceClass: "mailbox"}
	withServices := func(services ...iamv1alpha1.ServiceAssignment) *iamv1alpha1.User {
		return &iamv1alpha1.User{Spec: iamv1alpha1.UserSpec{Services: services}}
	}
	moved := mailbox
	moved.Subscription = "pro"
	tuned := mailbox
	tuned.Parameters = map[string]string{"size": "10Gi"}
	tests := []struct {
		name      string
		old, next *iamv1alpha1.User
		want      []int
	}{
		{"every assignment of a new user", nil, withServices(mailbox, second), []int{0, 1}},
		{"a new name", withServices(mailbox), withServices(mailbox, second), []int{1}},
		{"moved to another subscription", withServices(mailbox, second), withServices(moved, second), []int{0}},
		{"another class under the same name", withServices(mailbox), withServices(iamv1alpha1.ServiceAssignment{Name: "mailbox", ServiceClass: "vps"}), []int{0}},
		{"new parameters ask for no seat", withServices(mailbox), withServices(tuned), nil},
		{"reordered, or one removed", withServices(mailbox, second), withServices(second), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			for i := range tt.next.Spec.Services {
				if addedAssignments(tt.old, tt.next)[i] {
					got = append(got, i)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("added (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServicesSeatsShort(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	basic := func(quantity int32, holders ...string) *iamv1alpha1.Subscription {
		return &iamv1alpha1.Subscription{
			ObjectMeta: metav1.ObjectMeta{Name: "basic"},
			Spec:       iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{{ServiceClass: "mailbox", Quantity: quantity}}},
			Status: iamv1alpha1.SubscriptionStatus{Services: []iamv1alpha1.ServiceUsage{
				{ServiceClass: "mailbox", Quantity: quantity, Used: int32(len(holders)), Holders: holders}}},
		}
	}
	expired := basic(10)
	expired.Spec.ValidUntil = &metav1.Time{Time: now.Add(-time.Hour)}
	never := basic(10)
	never.Status = iamv1alpha1.SubscriptionStatus{}
	tests := []struct {
		name   string
		sub    *iamv1alpha1.Subscription
		wanted int
		want   string
	}{
		{"seats left", basic(10, "ann/mailbox"), 1, ""},
		{"never allocated yet", never, 10, ""},
		{"full", basic(2, "ann/mailbox", "ben/mailbox"), 1, "subscription basic has no mailbox left: 2 of 2 are assigned"},
		{"fewer left than asked", basic(3, "ann/mailbox", "ben/mailbox"), 2, "subscription basic has 1 mailbox left and this change assigns 2"},
		{"the user's own seat is theirs to keep", basic(3, "ann/mailbox", "zoe/mailbox"), 2, ""},
		{"and counts toward what they ask", basic(2, "ann/mailbox", "zoe/mailbox"), 2, "subscription basic has 1 mailbox left and this change assigns 2"},
		{"a lowered quantity", basic(1, "ann/mailbox", "ben/mailbox"), 1, "subscription basic has no mailbox left: 2 of 1 are assigned"},
		{"expired", expired, 1, "subscription basic expired at 2026-03-01T11:00:00Z: no mailbox can be assigned from it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := seatsShort(tt.sub, "mailbox", "zoe", tt.wanted, now); got != tt.want {
				t.Errorf("seatsShort = %q, want %q", got, tt.want)
			}
		})
	}
}
