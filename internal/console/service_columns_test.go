package console

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestGridServiceColumns(t *testing.T) {
	const class = "mailbox-x7k2p"
	mailbox := iamv1alpha1.ServiceClass{
		ObjectMeta: metav1.ObjectMeta{Name: class},
		Spec:       iamv1alpha1.ServiceClassSpec{DisplayName: "Mailbox", ColumnName: "mailbox"},
	}
	subscribed := []iamv1alpha1.Subscription{{Spec: iamv1alpha1.SubscriptionSpec{
		Services: []iamv1alpha1.SubscribedService{{ServiceClass: class, Quantity: 2}},
	}}}
	// holding is a user assigned one mailbox, named as the class's column
	// rather than the class, in phase.
	holding := func(phase iamv1alpha1.ServicePhase) iamv1alpha1.User {
		return user("ivan", "Ivan", "ivan@acme.example", iamv1alpha1.UserPhaseActive, func(u *iamv1alpha1.User) {
			u.Spec.Services = []iamv1alpha1.ServiceAssignment{{Name: "mailbox", ServiceClass: class}}
			u.Status.Services = []iamv1alpha1.ServiceStatus{{Name: "mailbox", ServiceClass: class, Column: "mailbox", Phase: phase}}
		})
	}
	serviceColumn := func(key, label, title string) column {
		return column{Key: serviceKeyPrefix + key, Label: label, Title: title, Numeric: true}
	}
	tests := []struct {
		name    string
		subs    []iamv1alpha1.Subscription
		classes map[string]iamv1alpha1.ServiceClass
		user    iamv1alpha1.User
		want    []column
		// cells are the user's service cells, by key.
		cells map[string]string
	}{
		{
			name: "a subscribed class the person may not read, held under another assignment name",
			subs: subscribed, user: holding(iamv1alpha1.ServicePhaseProvisioning),
			want:  []column{serviceColumn(class, "mailbox", class)},
			cells: map[string]string{serviceKeyPrefix + class: "1 (1 not ready)"},
		},
		{
			name: "a subscribed class the person may read, its service ready",
			subs: subscribed, classes: map[string]iamv1alpha1.ServiceClass{class: mailbox}, user: holding(iamv1alpha1.ServicePhaseReady),
			want:  []column{serviceColumn(class, "mailbox", "Mailbox")},
			cells: map[string]string{serviceKeyPrefix + class: "1"},
		},
		{
			name: "an assignment status does not know yet counts as not ready",
			subs: subscribed,
			user: user("ivan", "Ivan", "ivan@acme.example", iamv1alpha1.UserPhaseInvited, func(u *iamv1alpha1.User) {
				u.Spec.Services = []iamv1alpha1.ServiceAssignment{{ServiceClass: class}}
			}),
			want:  []column{serviceColumn(class, class, class)},
			cells: map[string]string{serviceKeyPrefix + class: "1 (1 not ready)"},
		},
		{
			name: "an assignment without a subscription still has its column",
			user: user("ivan", "Ivan", "ivan@acme.example", iamv1alpha1.UserPhaseInvited, func(u *iamv1alpha1.User) {
				u.Spec.Services = []iamv1alpha1.ServiceAssignment{{Name: "work", ServiceClass: "vps"}}
			}),
			want:  []column{serviceColumn("vps", "vps", "vps")},
			cells: map[string]string{serviceKeyPrefix + "vps": "1 (1 not ready)"},
		},
		{
			name: "two classes heading their columns alike keep a column each",
			subs: subscribed,
			classes: map[string]iamv1alpha1.ServiceClass{class: mailbox, "mailbox-big": {
				ObjectMeta: metav1.ObjectMeta{Name: "mailbox-big"},
				Spec:       iamv1alpha1.ServiceClassSpec{DisplayName: "Big mailbox", ColumnName: "mailbox"},
			}},
			user: user("ivan", "Ivan", "ivan@acme.example", iamv1alpha1.UserPhaseActive, func(u *iamv1alpha1.User) {
				u.Spec.Services = []iamv1alpha1.ServiceAssignment{{ServiceClass: "mailbox-big"}}
				u.Status.Services = []iamv1alpha1.ServiceStatus{{Name: "mailbox-big", ServiceClass: "mailbox-big", Column: "mailbox", Phase: iamv1alpha1.ServicePhaseReady}}
			}),
			want:  []column{serviceColumn("mailbox-big", "mailbox", "Big mailbox"), serviceColumn(class, "mailbox", "Mailbox")},
			cells: map[string]string{serviceKeyPrefix + "mailbox-big": "1", serviceKeyPrefix + class: ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			columns := gridColumns(tt.subs, tt.classes, []iamv1alpha1.User{tt.user})
			services := columns[len(leadingColumns) : len(columns)-len(trailingColumns)]
			if diff := cmp.Diff(tt.want, services); diff != "" {
				t.Errorf("service columns (-want +got):\n%s", diff)
			}
			cells := map[string]string{}
			for _, c := range userRow(&tt.user, columns, time.Now()).Cells {
				if strings.HasPrefix(c.Key, serviceKeyPrefix) {
					cells[c.Key] = c.Text
				}
			}
			if diff := cmp.Diff(tt.cells, cells); diff != "" {
				t.Errorf("service cells (-want +got):\n%s", diff)
			}
		})
	}
}

// The live stream starts with the subscriptions' columns and meets each
// user as the watch sends them: a class only a user holds gets its
// column then, under the key the page gave it.
func TestServiceColumnsGrowAsUsersCome(t *testing.T) {
	set := newServiceColumns(nil)
	set.addSubscriptions([]iamv1alpha1.Subscription{{Spec: iamv1alpha1.SubscriptionSpec{
		Services: []iamv1alpha1.SubscribedService{{ServiceClass: "mailbox-x7k2p", Quantity: 1}},
	}}})
	ivan := user("ivan", "Ivan", "ivan@acme.example", iamv1alpha1.UserPhaseActive, func(u *iamv1alpha1.User) {
		u.Status.Services = []iamv1alpha1.ServiceStatus{
			{Name: "mailbox", ServiceClass: "mailbox-x7k2p", Column: "mailbox", Phase: iamv1alpha1.ServicePhaseReady},
			{Name: "vps", ServiceClass: "vps-m3q9z", Column: "vps", Phase: iamv1alpha1.ServicePhaseReady},
		}
	})
	if !set.addUser(&ivan) {
		t.Fatal("addUser = false, want true: ivan holds a class no subscription offers")
	}
	if set.addUser(&ivan) {
		t.Error("addUser = true for a user met before")
	}
	page := gridColumns(nil, nil, []iamv1alpha1.User{ivan})
	if diff := cmp.Diff(page, set.columns()); diff != "" {
		t.Errorf("the stream's columns differ from the page's (-page +stream):\n%s", diff)
	}
}
