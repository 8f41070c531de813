package console

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

var usersResource = schema.GroupResource{Group: "iam.tenantry.io", Resource: "users"}

func TestExplainError(t *testing.T) {
	rbacDenial := apierrors.NewForbidden(usersResource, "alice",
		errors.New(`User "tenantry:bob@acme.example" cannot delete resource "users" in API group "iam.tenantry.io" in the namespace "acme"`))
	tests := []struct {
		name string
		err  error
		a    access
		want Problem
	}{
		{
			name: "RBAC refuses: the role, the verb and the resource",
			err:  rbacDenial, a: access{Verb: "delete", Resource: "users", Name: "alice"},
			want: Problem{Message: `Your role does not allow this: you may not delete user "alice".`},
		},
		{
			name: "RBAC refuses a list",
			err: apierrors.NewForbidden(usersResource, "",
				errors.New(`User "tenantry:m@acme.example" cannot list resource "users" in API group "iam.tenantry.io" in the namespace "acme"`)),
			a:    access{Verb: "list", Resource: "users"},
			want: Problem{Message: "Your role does not allow this: you may not list users."},
		},
		{
			name: "a webhook refuses: its own message",
			err: &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: 403, Reason: metav1.StatusReasonForbidden,
				Message: `admission webhook "vuser.iam.tenantry.io" denied the request: alice is the last Owner of acme: make someone else an Owner first`}},
			a:    access{Verb: "patch", Resource: "users", Name: "alice"},
			want: Problem{Message: "Alice is the last Owner of acme: make someone else an Owner first."},
		},
		{
			name: "invalid: each cause to its field's input",
			err: apierrors.NewInvalid(schema.GroupKind{Group: "iam.tenantry.io", Kind: "User"}, "alice", field.ErrorList{
				field.Invalid(field.NewPath("spec", "fullName"), "a\tb", "must be one line of text"),
				field.Invalid(field.NewPath("spec", "profile", "payerNumber"), "x", "must be digits"),
				field.Invalid(field.NewPath("spec", "services").Index(0).Child("serviceClass"), "X", "must be a DNS label"),
			}),
			a: access{Verb: "patch", Resource: "users", Name: "alice"},
			want: Problem{Message: "Some fields need another value: see below each one.", Fields: map[string]string{
				"fullName":    `Invalid value: "a\tb": must be one line of text.`,
				"payerNumber": `Invalid value: "x": must be digits.`,
				"services":    `Invalid value: "X": must be a DNS label.`,
			}},
		},
		{
			name: "invalid: a rule about the whole object goes to the action",
			err: apierrors.NewInvalid(schema.GroupKind{Group: "iam.tenantry.io", Kind: "User"}, "alice", field.ErrorList{
				field.Invalid(field.NewPath("spec"), "", "currency cannot change once set"),
			}),
			a:    access{Verb: "patch", Resource: "users", Name: "alice"},
			want: Problem{Message: `Invalid value: "": currency cannot change once set.`, Fields: map[string]string{}},
		},
		{
			name: "conflict",
			err:  apierrors.NewConflict(usersResource, "alice", errors.New("the object has been modified")),
			a:    access{Verb: "patch", Resource: "users", Name: "alice"},
			want: Problem{Message: "Someone changed this at the same time. Reload the page to see their change, then try again."},
		},
		{
			name: "already exists",
			err:  apierrors.NewAlreadyExists(usersResource, "alice"),
			a:    access{Verb: "create", Resource: "users", Name: "alice"},
			want: Problem{Message: `User "alice" already exists: choose another name.`},
		},
		{
			name: "not found",
			err:  apierrors.NewNotFound(usersResource, "alice"),
			a:    access{Verb: "get", Resource: "users", Name: "alice"},
			want: Problem{Message: `User "alice" no longer exists: it may have been deleted.`},
		},
		{
			name: "not the API server's answer",
			err:  errors.New("dial tcp: connection refused"),
			a:    access{Verb: "list", Resource: "users"},
			want: Problem{Message: "The request did not reach the cluster's API server: dial tcp: connection refused"},
		},
		{name: "no error", err: nil, want: Problem{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, explainError(tt.err, tt.a)); diff != "" {
				t.Errorf("explainError (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormField(t *testing.T) {
	for path, want := range map[string]string{
		"spec.fullName": "fullName", "spec.profile.bank": "bank", "spec.services[0].serviceClass": "services",
		"metadata.name": "name", "spec": "", "": "", "spec.email": "email",
	} {
		if got := formField(path); got != want {
			t.Errorf("formField(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestPermissionsFrom(t *testing.T) {
	iam := iamv1alpha1.GroupVersion.Group
	read := authorizationv1.ResourceRule{APIGroups: []string{iam}, Resources: []string{"users", "balancetransactions", "userchanges", "teams"}, Verbs: []string{"get", "list", "watch"}}
	manage := authorizationv1.ResourceRule{APIGroups: []string{iam}, Resources: []string{"users", "balancetransactions", "teams"}, Verbs: []string{"create", "update", "patch", "delete"}}
	readOnly := Permissions{MayListUsers: true, MayWatchUsers: true, MayListTransactions: true, MayListHistory: true, MayListTeams: true}
	tests := []struct {
		name   string
		status authorizationv1.SubjectRulesReviewStatus
		want   Permissions
	}{
		{name: "nothing", want: Permissions{}},
		{name: "a Manager reads", status: authorizationv1.SubjectRulesReviewStatus{ResourceRules: []authorizationv1.ResourceRule{read}}, want: readOnly},
		{
			name:   "an Owner manages",
			status: authorizationv1.SubjectRulesReviewStatus{ResourceRules: []authorizationv1.ResourceRule{read, manage}},
			want: Permissions{MayListUsers: true, MayWatchUsers: true, MayInvite: true, MayEdit: true, MayDelete: true,
				MayRefill: true, MayCancel: true, MayListTransactions: true, MayListHistory: true, MayListTeams: true, MayEditTeams: true},
		},
		{
			name: "wildcards grant everything",
			status: authorizationv1.SubjectRulesReviewStatus{ResourceRules: []authorizationv1.ResourceRule{
				{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}},
			want: Permissions{MayListUsers: true, MayWatchUsers: true, MayInvite: true, MayEdit: true, MayDelete: true, MayRefill: true,
				MayCancel: true, MayListTransactions: true, MayListHistory: true, MayListSubscriptions: true, MayListTeams: true, MayEditTeams: true},
		},
		{
			name: "a rule for some names only grants nothing to act on any user",
			status: authorizationv1.SubjectRulesReviewStatus{ResourceRules: []authorizationv1.ResourceRule{
				read, {APIGroups: []string{iam}, Resources: []string{"users"}, Verbs: []string{"patch"}, ResourceNames: []string{"me"}}}},
			want: readOnly,
		},
		{
			name: "another group's users are not Tenantry's",
			status: authorizationv1.SubjectRulesReviewStatus{ResourceRules: []authorizationv1.ResourceRule{
				{APIGroups: []string{"example.com"}, Resources: []string{"users"}, Verbs: []string{"*"}}}},
			want: Permissions{},
		},
		{
			name:   "an incomplete review offers every action: the API server decides",
			status: authorizationv1.SubjectRulesReviewStatus{Incomplete: true},
			want: Permissions{MayListUsers: true, MayWatchUsers: true, MayInvite: true, MayEdit: true, MayDelete: true, MayRefill: true,
				MayCancel: true, MayListTransactions: true, MayListHistory: true, MayListSubscriptions: true, MayListTeams: true, MayEditTeams: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, permissionsFrom(tt.status)); diff != "" {
				t.Errorf("permissionsFrom (-want +got):\n%s", diff)
			}
		})
	}
}

// user builds a user for the rules' tests.
func user(name, fullName, email string, phase iamv1alpha1.UserPhase, edit ...func(*iamv1alpha1.User)) iamv1alpha1.User {
	u := iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme"},
		Spec:       iamv1alpha1.UserSpec{FullName: fullName, Email: email},
		Status:     iamv1alpha1.UserStatus{Phase: phase},
	}
	for _, e := range edit {
		e(&u)
	}
	return u
}

func softDeleted(u *iamv1alpha1.User) {
	u.Spec.State = iamv1alpha1.UserStateDeleted
	u.Status.Phase = iamv1alpha1.UserPhaseDeleted
}

func TestBuildUsersTile(t *testing.T) {
	active, invited, locked := iamv1alpha1.UserPhaseActive, iamv1alpha1.UserPhaseInvited, iamv1alpha1.UserPhaseLocked
	tests := []struct {
		name  string
		users []iamv1alpha1.User
		want  usersTile
	}{
		{name: "no users", want: usersTile{}},
		{
			name:  "up to three: listed by name with their status, the non-active counted",
			users: []iamv1alpha1.User{user("carol", "Carol", "c@x", invited), user("alice", "Alice", "a@x", active), user("bob", "", "b@x", active)},
			want: usersTile{Total: 3, Listed: []tileUser{
				{Name: "alice", FullName: "Alice", Status: badge{"Active", "badge-success"}},
				{Name: "bob", Status: badge{"Active", "badge-success"}},
				{Name: "carol", FullName: "Carol", Status: badge{"Invited", "badge-info"}},
			}, Statuses: []statusCount{{Status: badge{"Invited", "badge-info"}, Count: 1}}},
		},
		{
			name: "four: the count, not the names, and the non-active statuses in order",
			users: []iamv1alpha1.User{user("a", "", "", active), user("b", "", "", locked), user("c", "", "", invited),
				user("d", "", "", invited)},
			want: usersTile{Total: 4, Statuses: []statusCount{
				{Status: badge{"Invited", "badge-info"}, Count: 2}, {Status: badge{"Locked", "badge-danger"}, Count: 1},
			}},
		},
		{
			name:  "all active: no status counts",
			users: []iamv1alpha1.User{user("a", "", "", active), user("b", "", "", active), user("c", "", "", active), user("d", "", "", active), user("e", "", "", active)},
			want:  usersTile{Total: 5},
		},
		{
			name: "the soft-deleted are out of the account: three left are listed",
			users: []iamv1alpha1.User{user("a", "", "", active), user("b", "", "", active), user("c", "", "", ""),
				user("d", "", "", "", softDeleted)},
			want: usersTile{Total: 3, Listed: []tileUser{
				{Name: "a", Status: badge{"Active", "badge-success"}}, {Name: "b", Status: badge{"Active", "badge-success"}},
				{Name: "c", Status: badge{"Pending", "badge-warning"}},
			}, Statuses: []statusCount{{Status: badge{"Pending", "badge-warning"}, Count: 1}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, buildUsersTile(tt.users)); diff != "" {
				t.Errorf("buildUsersTile (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseGridQuery(t *testing.T) {
	tests := []struct {
		query string
		want  gridQuery
	}{
		{"", gridQuery{Sort: sortName, View: viewTable}},
		{"sort=lastLogin&order=desc&status=Locked&q=+ann+&view=tiles", gridQuery{Sort: sortLastLogin, Desc: true, Status: "Locked", Q: "ann", View: viewTiles}},
		{"sort=password&order=sideways&status=Everything&view=cards", gridQuery{Sort: sortName, View: viewTable}},
		{"status=Deleted", gridQuery{Sort: sortName, View: viewTable, Status: "Deleted"}},
	}
	for _, tt := range tests {
		values, _ := url.ParseQuery(tt.query)
		if diff := cmp.Diff(tt.want, parseGridQuery(values)); diff != "" {
			t.Errorf("parseGridQuery(%q) (-want +got):\n%s", tt.query, diff)
		}
	}
}

func TestGridLinks(t *testing.T) {
	q := gridQuery{Sort: sortName, View: viewTable, Status: "Invited", Q: "a&b"}
	for _, tt := range []struct{ name, got, want string }{
		{"sort by another column: ascending", q.sortHref(sortEmail), "/console/users?q=a%26b&sort=email&status=Invited"},
		{"sort by the sorted column: reversed", q.sortHref(sortName), "/console/users?order=desc&q=a%26b&status=Invited"},
		{"the other view keeps the rest", q.viewHref(viewTiles), "/console/users?q=a%26b&status=Invited&view=tiles"},
		{"the defaults are left out", gridQuery{Sort: sortName, View: viewTable}.href(), "/console/users"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	desc := gridQuery{Sort: sortEmail, Desc: true, View: viewTable}
	if got, want := desc.sortHref(sortEmail), "/console/users?sort=email"; got != want {
		t.Errorf("sort a descending column again: %q, want %q", got, want)
	}
}

func TestSelectUsers(t *testing.T) {
	at := func(h int) *metav1.Time { t := metav1.NewTime(time.Date(2026, 12, 1, h, 0, 0, 0, time.UTC)); return &t }
	users := []iamv1alpha1.User{
		user("carol", "Carol King", "carol@acme.example", iamv1alpha1.UserPhaseInvited, func(u *iamv1alpha1.User) {
			u.CreationTimestamp = *at(3)
			u.Status.Balance = &iamv1alpha1.BalanceStatus{Amount: "10.50", Currency: "USD"}
		}),
		user("alice", "Alice Smith", "Alice@acme.example", iamv1alpha1.UserPhaseActive, func(u *iamv1alpha1.User) {
			u.CreationTimestamp = *at(1)
			u.Status.LastLoginTime = at(9)
			u.Status.Balance = &iamv1alpha1.BalanceStatus{Amount: "9.75", Currency: "USD"}
		}),
		user("bob", "Bob Stone", "bob@other.example", iamv1alpha1.UserPhaseLocked, func(u *iamv1alpha1.User) {
			u.CreationTimestamp = *at(2)
			u.Status.LastLoginTime = at(5)
		}),
		user("dave", "Dave Gone", "dave@acme.example", "", func(u *iamv1alpha1.User) { u.CreationTimestamp = *at(4); softDeleted(u) }),
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"alice", "bob", "carol"}},
		{"order=desc", []string{"carol", "bob", "alice"}},
		{"sort=email", []string{"alice", "bob", "carol"}},
		{"sort=status", []string{"alice", "carol", "bob"}},
		{"sort=lastLogin", []string{"carol", "bob", "alice"}},
		{"sort=lastLogin&order=desc", []string{"alice", "bob", "carol"}},
		{"sort=created&order=desc", []string{"carol", "bob", "alice"}},
		{"sort=balance", []string{"bob", "alice", "carol"}},
		{"status=Locked", []string{"bob"}},
		{"status=Deleted", []string{"dave"}},
		{"status=Disabled", nil},
		{"q=ACME", []string{"alice", "carol"}},
		{"q=king", []string{"carol"}},
		{"q=dave", nil},
		{"q=dave&status=Deleted", []string{"dave"}},
		{"q=bo", []string{"bob"}},
	}
	for _, tt := range tests {
		values, _ := url.ParseQuery(tt.query)
		var got []string
		for _, u := range parseGridQuery(values).selectUsers(users) {
			got = append(got, u.Name)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("selectUsers(%q) (-want +got):\n%s", tt.query, diff)
		}
	}
}

func TestUserRow(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	u := user("alice", "Alice", "alice@acme.example", iamv1alpha1.UserPhaseActive, func(u *iamv1alpha1.User) {
		u.CreationTimestamp = metav1.NewTime(now.Add(-48 * time.Hour))
		u.Spec.Role = "owner"
		u.Status.TwoFactor = iamv1alpha1.TwoFactorEnabled
		login := metav1.NewTime(now.Add(-3 * time.Hour))
		u.Status.LastLoginTime = &login
		u.Status.Balance = &iamv1alpha1.BalanceStatus{Amount: "12.50", Currency: "EUR"}
		u.Status.Services = []iamv1alpha1.ServiceStatus{
			{Name: "mailbox", ServiceClass: "mailbox", Column: "mail", Phase: iamv1alpha1.ServicePhaseReady},
			{Name: "mailbox-2", ServiceClass: "mailbox", Column: "mail", Phase: iamv1alpha1.ServicePhaseProvisioning},
			{Name: "vps", ServiceClass: "vps", Column: "vps", Phase: iamv1alpha1.ServicePhaseReady},
		}
	})
	subs := []iamv1alpha1.Subscription{{Spec: iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{{ServiceClass: "storage", Quantity: 1}}}}}
	columns := gridColumns(subs, nil, []iamv1alpha1.User{u})
	keys := make([]string, 0, len(columns))
	for _, c := range columns {
		keys = append(keys, c.Key)
	}
	wantKeys := []string{"name", "email", "role", "status", "lastLogin", "twoFactor", "service:mailbox", "service:storage", "service:vps", "balance", "created"}
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		t.Fatalf("gridColumns (-want +got):\n%s", diff)
	}
	texts := map[string]string{}
	for _, c := range userRow(&u, columns, now).Cells {
		texts[c.Key] = c.Text
	}
	want := map[string]string{
		"name": "Alice", "email": "alice@acme.example", "role": "owner", "status": "Active", "lastLogin": "3 hours ago",
		"twoFactor": "On", "service:mailbox": "2 (1 not ready)", "service:storage": "", "service:vps": "1",
		"balance": "12.50 EUR", "created": "2026-12-05",
	}
	if diff := cmp.Diff(want, texts); diff != "" {
		t.Errorf("userRow (-want +got):\n%s", diff)
	}
}

func TestSubscriptionViews(t *testing.T) {
	subs := []iamv1alpha1.Subscription{{
		ObjectMeta: metav1.ObjectMeta{Name: "basic"},
		Spec: iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{
			{ServiceClass: "vps", Quantity: 2}, {ServiceClass: "mailbox", Quantity: 10},
		}},
		Status: iamv1alpha1.SubscriptionStatus{Services: []iamv1alpha1.ServiceUsage{
			{ServiceClass: "mailbox", Quantity: 10, Used: 3}, {ServiceClass: "vps", Quantity: 2, Used: 3},
		}},
	}}
	want := []subscriptionView{{Name: "basic", Seats: []seatView{
		{Class: "mailbox", Service: "Mailbox", Quantity: 10, Used: 3, Free: 7},
		{Class: "vps", Service: "vps", Quantity: 2, Used: 3, Free: 0},
	}}}
	if diff := cmp.Diff(want, subscriptionViews(subs, map[string]string{"mailbox": "Mailbox"})); diff != "" {
		t.Errorf("subscriptionViews (-want +got):\n%s", diff)
	}
}

func TestRenewIn(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		left, want time.Duration
	}{
		{10 * time.Minute, 9 * time.Minute},
		{30 * time.Minute, 29 * time.Minute},
		{20 * time.Second, 15 * time.Second},
		{3 * time.Second, 0},
		{-time.Minute, 0},
	} {
		if got := renewIn(now, now.Add(tt.left)); got != tt.want {
			t.Errorf("renewIn with %v left = %v, want %v", tt.left, got, tt.want)
		}
	}
}

func TestAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "Just now", 30 * time.Second: "Just now", time.Minute: "1 minute ago", 59 * time.Minute: "59 minutes ago",
		time.Hour: "1 hour ago", 47 * time.Hour: "47 hours ago", 48 * time.Hour: "2 days ago", 400 * 24 * time.Hour: "400 days ago",
	} {
		if got := ago(d); got != want {
			t.Errorf("ago(%v) = %q, want %q", d, got, want)
		}
	}
}
