package user

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func svc(name, column string, phase iamv1alpha1.ServicePhase, reason string) iamv1alpha1.ServiceStatus {
	return iamv1alpha1.ServiceStatus{Name: name, ServiceClass: column, Column: column, Phase: phase, Reason: reason, Message: name + " " + reason}
}

func TestServicesSummary(t *testing.T) {
	ready, prov := iamv1alpha1.ServicePhaseReady, iamv1alpha1.ServicePhaseProvisioning
	cases := map[string]struct {
		list []iamv1alpha1.ServiceStatus
		want string
	}{
		"all ready":                {[]iamv1alpha1.ServiceStatus{svc("mailbox", "mailbox", ready, ""), svc("vps", "vps", ready, "")}, "mailbox:1 vps:1"},
		"one of two ready":         {[]iamv1alpha1.ServiceStatus{svc("mailbox", "mailbox", ready, ""), svc("vps", "vps", ready, ""), svc("vps-2", "vps", prov, "")}, "mailbox:1 vps:1/2"},
		"removing is not assigned": {[]iamv1alpha1.ServiceStatus{svc("mailbox", "mailbox", iamv1alpha1.ServicePhaseRemoving, ""), svc("vps", "vps", ready, "")}, "vps:1"},
		"none ready":               {[]iamv1alpha1.ServiceStatus{svc("vps", "vps", iamv1alpha1.ServicePhaseFailed, "QuotaExceeded")}, "vps:0/1"},
	}
	for name, tc := range cases {
		if got := servicesSummary(tc.list); got != tc.want {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
}

func TestServicesReadyNamesTheServiceThatMattersMost(t *testing.T) {
	list := []iamv1alpha1.ServiceStatus{
		svc("a", "a", iamv1alpha1.ServicePhasePending, iamv1alpha1.ReasonAwaitingSeat),
		svc("b", "b", iamv1alpha1.ServicePhaseProvisioning, iamv1alpha1.ReasonNotReady),
		svc("c", "c", iamv1alpha1.ServicePhaseFailed, iamv1alpha1.ReasonQuotaExceeded),
		svc("d", "d", iamv1alpha1.ServicePhaseReady, iamv1alpha1.ReasonObjectReady),
	}
	got := servicesReadyCondition(list)
	if got.Status != metav1.ConditionFalse || got.Reason != iamv1alpha1.ReasonQuotaExceeded || got.Message != "c: c QuotaExceeded (and 2 more not ready)" {
		t.Errorf("got %+v; want the failure first, with how many more", got)
	}
	got = servicesReadyCondition(list[3:])
	if got.Status != metav1.ConditionTrue || got.Reason != iamv1alpha1.ReasonServicesReady {
		t.Errorf("got %+v; want True when all are ready", got)
	}
}

func TestServicesBusyOnlyWhileTheOperatorWorks(t *testing.T) {
	cases := map[string]struct {
		st   iamv1alpha1.ServiceStatus
		want bool
	}{
		"provisioning":        {svc("a", "a", iamv1alpha1.ServicePhaseProvisioning, ""), true},
		"removing":            {svc("a", "a", iamv1alpha1.ServicePhaseRemoving, iamv1alpha1.ReasonServicesRemoving), true},
		"removal timed out":   {svc("a", "a", iamv1alpha1.ServicePhaseRemoving, iamv1alpha1.ReasonRemovalTimedOut), false},
		"awaiting seat":       {svc("a", "a", iamv1alpha1.ServicePhasePending, iamv1alpha1.ReasonAwaitingSeat), true},
		"awaiting acceptance": {svc("a", "a", iamv1alpha1.ServicePhasePending, iamv1alpha1.ReasonAwaitingAcceptance), false},
		"failed":              {svc("a", "a", iamv1alpha1.ServicePhaseFailed, iamv1alpha1.ReasonQuotaExceeded), false},
		"ready":               {svc("a", "a", iamv1alpha1.ServicePhaseReady, ""), false},
	}
	for name, tc := range cases {
		if got := servicesBusy([]iamv1alpha1.ServiceStatus{tc.st}); got != tc.want {
			t.Errorf("%s: busy=%v, want %v", name, got, tc.want)
		}
	}
}

// A removal that timed out shows in Ready's message, so `kubectl describe
// user` tells of it even while the user is Active and Ready.
func TestReadyNamesAStuckRemoval(t *testing.T) {
	stuck := iamv1alpha1.ServiceStatus{Name: "storage", Phase: iamv1alpha1.ServicePhaseRemoving, Reason: iamv1alpha1.ReasonRemovalTimedOut,
		Message: "ConfigMap acme/alice-storage has been deleting for 10m0s"}
	removing := iamv1alpha1.ServiceStatus{Name: "vps", Phase: iamv1alpha1.ServicePhaseRemoving, Reason: iamv1alpha1.ReasonServicesRemoving, Message: "deleting"}
	cases := []struct {
		name  string
		phase iamv1alpha1.UserPhase
		list  []iamv1alpha1.ServiceStatus
		want  string
	}{
		{"active, nothing stuck", iamv1alpha1.UserPhaseActive, []iamv1alpha1.ServiceStatus{removing}, "the user is active"},
		{"active with a stuck removal", iamv1alpha1.UserPhaseActive, []iamv1alpha1.ServiceStatus{removing, stuck},
			"the user is active; the removal of storage is stuck: ConfigMap acme/alice-storage has been deleting for 10m0s"},
		{"two stuck", iamv1alpha1.UserPhaseActive, []iamv1alpha1.ServiceStatus{stuck, stuck},
			"the user is active; the removal of storage is stuck: ConfigMap acme/alice-storage has been deleting for 10m0s (and 1 more stuck)"},
		{"disabled with a stuck removal", iamv1alpha1.UserPhaseDisabled, []iamv1alpha1.ServiceStatus{stuck},
			"spec.state is Disabled: the user cannot log in; the removal of storage is stuck: ConfigMap acme/alice-storage has been deleting for 10m0s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			user := &iamv1alpha1.User{Status: iamv1alpha1.UserStatus{Services: tc.list}}
			got := readyCondition(tc.phase, user)
			if got.Message != tc.want {
				t.Errorf("Ready message %q, want %q", got.Message, tc.want)
			}
			if tc.phase == iamv1alpha1.UserPhaseActive && got.Status != metav1.ConditionTrue {
				t.Errorf("an Active user with a stuck removal is still Ready, got %s", got.Status)
			}
		})
	}
}

func TestServiceMadeWithTheUserIsNoNews(t *testing.T) {
	pending := svc("storage", "storage", iamv1alpha1.ServicePhasePending, iamv1alpha1.ReasonAwaitingSeat)
	cases := map[string]struct {
		generation int64
		prev       *iamv1alpha1.ServiceStatus
		want       bool
	}{
		"assigned at creation, first recorded now": {1, nil, true},
		"assigned at creation, waited for a seat":  {1, &pending, false},
		"assigned later": {2, nil, false},
		"assigned later, made once its seat was free": {3, &pending, false},
	}
	for name, tc := range cases {
		user := &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Generation: tc.generation}}
		if got := provisionedWithCreation(user, tc.prev); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}
