package webhook

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// countingReader counts the lists it answers.
type countingReader struct {
	client.Reader
	lists int
}

func (c *countingReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	c.lists++
	return c.Reader.List(ctx, list, opts...)
}

// TestServicesReadTheCacheAndConfirmOnlyANo: a user admitted with a seat
// to spare costs the API server no list of the account's subscriptions; an
// answer that would refuse is read again past the cache, which decides.
func TestServicesReadTheCacheAndConfirmOnlyANo(t *testing.T) {
	basic := func(quantity int32, holders ...string) *iamv1alpha1.Subscription {
		return &iamv1alpha1.Subscription{
			ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "basic"},
			Spec:       iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{{ServiceClass: "mailbox", Quantity: quantity}}},
			Status: iamv1alpha1.SubscriptionStatus{Services: []iamv1alpha1.ServiceUsage{
				{ServiceClass: "mailbox", Quantity: quantity, Used: int32(len(holders)), Holders: holders}}},
		}
	}
	full, free := basic(1, "ann/mailbox"), basic(2, "ann/mailbox")
	scheme := runtime.NewScheme()
	if err := iamv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name              string
		cached, live      *iamv1alpha1.Subscription
		wantLiveLists     int
		wantRefusal       string
		wantWarningPrefix string
	}{
		{"a seat in the cache: the cache's word", free, full, 0, "", ""},
		{"full in the cache, a seat freed since: admitted", full, free, 1, "", ""},
		{"full in both: refused", full, full, 1, "subscription basic has no mailbox left", ""},
		{"not in the cache yet, but there", nil, free, 1, "", ""},
		{"nowhere: a warning, confirmed", nil, nil, 1, "", "subscription basic does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := func(sub *iamv1alpha1.Subscription) *countingReader {
				b := fake.NewClientBuilder().WithScheme(scheme)
				if sub != nil {
					b = b.WithObjects(sub.DeepCopy())
				}
				return &countingReader{Reader: b.Build()}
			}
			cache, live := reader(tt.cached), reader(tt.live)
			w := &UserWebhook{Reader: live, Cache: cache, Clock: clock.RealClock{}}
			user := &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "ben"},
				Spec: iamv1alpha1.UserSpec{Services: []iamv1alpha1.ServiceAssignment{{ServiceClass: "mailbox", Subscription: "basic"}}}}
			warnings, err := w.serviceWarnings(context.Background(), nil, user)
			switch {
			case tt.wantRefusal == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.wantRefusal != "" && (!apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tt.wantRefusal)):
				t.Fatalf("got %v, want a refusal saying %q", err, tt.wantRefusal)
			}
			if got := strings.Join(warnings, "; "); !strings.HasPrefix(got, tt.wantWarningPrefix) || (tt.wantWarningPrefix == "") != (got == "") {
				t.Errorf("warnings %q, want %q", got, tt.wantWarningPrefix)
			}
			if cache.lists != 1 || live.lists != tt.wantLiveLists {
				t.Errorf("listed the cache %d and the API server %d times, want 1 and %d", cache.lists, live.lists, tt.wantLiveLists)
			}
		})
	}
}
