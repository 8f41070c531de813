package history

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func baseUser() *iamv1alpha1.User {
	return &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "alice", UID: "3f2a9c1d-0000-4000-8000-000000000000"},
		Spec: iamv1alpha1.UserSpec{FullName: "Alice Example", Email: "alice@acme.example", Role: "owner", State: iamv1alpha1.UserStateActive,
			Services: []iamv1alpha1.ServiceAssignment{
				{ServiceClass: "mailbox"},
				{Name: "big", ServiceClass: "storage", Parameters: map[string]string{"size": "10Gi"}},
			}},
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name   string
		change func(u *iamv1alpha1.User)
		want   []iamv1alpha1.FieldChange
	}{
		{"nothing", func(*iamv1alpha1.User) {}, nil},
		{"a field set, changed and removed", func(u *iamv1alpha1.User) {
			u.Spec.Phone = "15550100"
			u.Spec.FullName = "Alice B. Example"
		}, []iamv1alpha1.FieldChange{
			{Path: "spec.fullName", Old: "Alice Example", New: "Alice B. Example"},
			{Path: "spec.phone", New: "15550100"},
		}},
		{"services are keyed by name, not by place", func(u *iamv1alpha1.User) {
			u.Spec.Services = u.Spec.Services[1:]
			u.Spec.Services[0].Parameters = map[string]string{"size": "20Gi"}
		}, []iamv1alpha1.FieldChange{
			{Path: "spec.services[big].parameters.size", Old: "10Gi", New: "20Gi"},
			{Path: "spec.services[mailbox].serviceClass", Old: "mailbox"},
		}},
		{"an action annotation, not any other annotation", func(u *iamv1alpha1.User) {
			u.Annotations = map[string]string{iamv1alpha1.UnlockAnnotation: "now", "example.com/note": "x"}
		}, []iamv1alpha1.FieldChange{{Path: "metadata.annotations[iam.tenantry.io/unlock]", New: "now"}}},
		{"long values are cut", func(u *iamv1alpha1.User) {
			u.Spec.Profile = &iamv1alpha1.UserProfile{AdditionalInfo: strings.Repeat("x", 400)}
		}, []iamv1alpha1.FieldChange{{Path: "spec.profile.additionalInfo", New: strings.Repeat("x", maxValueLength) + "…"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, next := baseUser(), baseUser()
			tt.change(next)
			if diff := cmp.Diff(tt.want, Diff(old, next)); diff != "" {
				t.Errorf("Diff (-want +got):\n%s", diff)
			}
		})
	}
}

func TestActionOf(t *testing.T) {
	state := func(old, new iamv1alpha1.UserState) []iamv1alpha1.FieldChange {
		return []iamv1alpha1.FieldChange{{Path: "spec.state", Old: string(old), New: string(new)}, {Path: "spec.role", Old: "a", New: "b"}}
	}
	tests := []struct {
		name    string
		created bool
		changes []iamv1alpha1.FieldChange
		want    iamv1alpha1.UserChangeAction
	}{
		{"creation", true, nil, iamv1alpha1.ChangeCreated},
		{"soft delete wins over the rest", false, state("Active", "Deleted"), iamv1alpha1.ChangeSoftDeleted},
		{"restore", false, state("Deleted", "Disabled"), iamv1alpha1.ChangeRestored},
		{"disable", false, state("Active", "Disabled"), iamv1alpha1.ChangeDisabled},
		{"enable", false, state("Disabled", "Active"), iamv1alpha1.ChangeEnabled},
		{"role", false, []iamv1alpha1.FieldChange{{Path: "spec.role"}, {Path: "spec.services[x].serviceClass"}}, iamv1alpha1.ChangeRoleChanged},
		{"unlock", false, []iamv1alpha1.FieldChange{{Path: "metadata.annotations[iam.tenantry.io/unlock]", New: "1"}}, iamv1alpha1.ChangeUnlocked},
		{"an action annotation removed is an update", false, []iamv1alpha1.FieldChange{{Path: "metadata.annotations[iam.tenantry.io/unlock]", Old: "1"}}, iamv1alpha1.ChangeUpdated},
		{"services", false, []iamv1alpha1.FieldChange{{Path: "spec.services[x].serviceClass", New: "x"}}, iamv1alpha1.ChangeServicesChanged},
		{"anything else", false, []iamv1alpha1.FieldChange{{Path: "spec.phone", New: "1"}}, iamv1alpha1.ChangeUpdated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ActionOf(tt.created, tt.changes); got != tt.want {
				t.Errorf("ActionOf = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestStampNumbersAndTrims(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	alice := iamv1alpha1.Requester{Username: "alice@acme.example"}

	created := baseUser()
	created.Annotations = map[string]string{iamv1alpha1.PendingChangesAnnotation: `[{"seq":99}]`} // forged
	if !Stamp(nil, created, alice, now) {
		t.Fatal("a creation is always recorded")
	}
	if p := Pending(created); len(p) != 1 || p[0].Sequence != 1 || p[0].Action != iamv1alpha1.ChangeCreated {
		t.Fatalf("after creation: %+v", p)
	}

	// A write that changes nothing recorded keeps what old carried,
	// whatever the request says.
	noop := created.DeepCopy()
	noop.Labels = map[string]string{"x": "y"}
	noop.Annotations[iamv1alpha1.PendingChangesAnnotation] = "forged"
	if Stamp(created, noop, alice, now) {
		t.Fatal("a label is not recorded")
	}
	if noop.Annotations[iamv1alpha1.PendingChangesAnnotation] != created.Annotations[iamv1alpha1.PendingChangesAnnotation] {
		t.Fatal("the pending changes must be old's")
	}

	// Once the operator filed 1, the next change is 2 and carries 1 no more.
	filed := created.DeepCopy()
	filed.Status.History = &iamv1alpha1.HistoryStatus{FiledSequence: 1}
	next := filed.DeepCopy()
	next.Spec.Role = "manager"
	Stamp(filed, next, alice, now)
	if p := Pending(next); len(p) != 1 || p[0].Sequence != 2 || p[0].Action != iamv1alpha1.ChangeRoleChanged ||
		p[0].Summary != "spec.role: owner → manager" {
		t.Fatalf("after a role change: %+v", p)
	}

	// Unfiled changes pile up to MaxPending; the oldest go first.
	cur := next
	for i := range MaxPending + 3 {
		n := cur.DeepCopy()
		n.Spec.Phone = strings.Repeat("1", i+1)
		Stamp(cur, n, alice, now)
		cur = n
	}
	p := Pending(cur)
	if len(p) != MaxPending || p[len(p)-1].Sequence != int64(2+MaxPending+3) || NextSequence(cur) != int64(3+MaxPending+3) {
		t.Fatalf("kept %d, last %d, next %d", len(p), p[len(p)-1].Sequence, NextSequence(cur))
	}
}

func TestRequesterOf(t *testing.T) {
	got := RequesterOf(authenticationv1.UserInfo{
		Username: "tenantry:bob@acme.example", UID: "u1", Groups: []string{"system:authenticated"},
		Extra: map[string]authenticationv1.ExtraValue{iamv1alpha1.ActExtraKey: {"alice@acme.example"}},
	})
	want := iamv1alpha1.Requester{Username: "tenantry:bob@acme.example", UID: "u1", Groups: []string{"system:authenticated"}, Actor: "alice@acme.example"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RequesterOf (-want +got):\n%s", diff)
	}
}

func TestRecordNames(t *testing.T) {
	u := baseUser()
	if got := RecordName(u, 7); got != "alice-3f2a9c1d-00007" {
		t.Errorf("RecordName = %s", got)
	}
	a, b := OutOfSequenceName(u, "cancel", "tx-1"), OutOfSequenceName(u, "cancel", "tx-2")
	if a == b || !strings.HasPrefix(a, "alice-3f2a9c1d-cancel-") || a != OutOfSequenceName(u, "cancel", "tx-1") {
		t.Errorf("OutOfSequenceName: %s, %s", a, b)
	}
	r := Record(u, RecordName(u, 1), Entry{Sequence: 1, Action: iamv1alpha1.ChangeCreated})
	if r.Labels[iamv1alpha1.UserLabel] != "alice" || len(r.OwnerReferences) != 0 || r.Spec.UserUID != u.UID {
		t.Errorf("Record: %+v", r.ObjectMeta)
	}
}
