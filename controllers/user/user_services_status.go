package user

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// recordServices sums status.services up: the Services column, the
// ServicesReady condition, and — while a service is on its way in or out —
// the pass's Reconciling verdict, which shows an Active user as Updating.
func recordServices(s *userScope) {
	user := s.user
	list := user.Status.Services
	if len(list) == 0 && len(user.Spec.Services) == 0 {
		conditions.Delete(user, iamv1alpha1.ServicesReadyCondition)
		user.Status.ServicesSummary = ""
		return
	}
	user.Status.ServicesSummary = servicesSummary(list)
	ready := servicesReadyCondition(list)
	conditions.Set(user, ready)
	if s.reconciling == nil && servicesBusy(list) {
		s.reconciling = &reconcile.Verdict{Reason: iamv1alpha1.ReasonProgressing, Message: ready.Message}
	}
}

// servicesSummary is ready/assigned per column, in the order of the
// assignments, with the count alone when every one is ready:
// "mailbox:1 vps:1/2". Services being removed are no longer assigned.
func servicesSummary(list []iamv1alpha1.ServiceStatus) string {
	type tally struct{ ready, assigned int }
	var order []string
	counts := map[string]*tally{}
	for _, st := range list {
		if st.Phase == iamv1alpha1.ServicePhaseRemoving {
			continue
		}
		column := st.Column
		if column == "" {
			column = st.ServiceClass
		}
		if counts[column] == nil {
			counts[column] = &tally{}
			order = append(order, column)
		}
		counts[column].assigned++
		if st.Phase == iamv1alpha1.ServicePhaseReady {
			counts[column].ready++
		}
	}
	parts := make([]string, 0, len(order))
	for _, column := range order {
		c := counts[column]
		if c.ready == c.assigned {
			parts = append(parts, fmt.Sprintf("%s:%d", column, c.ready))
		} else {
			parts = append(parts, fmt.Sprintf("%s:%d/%d", column, c.ready, c.assigned))
		}
	}
	return strings.Join(parts, " ")
}

// servicesReadyCondition names the service that most needs attention:
// a failure first, then a removal that is stuck, then work under way,
// then what waits. Its reason is that service's own (QuotaExceeded,
// ClassNotFound, RemovalTimedOut, ...), so `kubectl get -o wide` and alerts
// can tell them apart.
func servicesReadyCondition(list []iamv1alpha1.ServiceStatus) metav1.Condition {
	cond := metav1.Condition{Type: iamv1alpha1.ServicesReadyCondition, Status: metav1.ConditionFalse}
	rank := func(st iamv1alpha1.ServiceStatus) int {
		switch {
		case st.Phase == iamv1alpha1.ServicePhaseFailed:
			return 5
		case st.Reason == iamv1alpha1.ReasonRemovalTimedOut:
			return 4
		case st.Phase == iamv1alpha1.ServicePhaseProvisioning:
			return 3
		case st.Phase == iamv1alpha1.ServicePhaseRemoving:
			return 2
		case st.Phase == iamv1alpha1.ServicePhasePending:
			return 1
		default:
			return 0
		}
	}
	worst, notReady := -1, 0
	for i, st := range list {
		if rank(st) == 0 {
			continue
		}
		notReady++
		if worst < 0 || rank(st) > rank(list[worst]) {
			worst = i
		}
	}
	if worst < 0 {
		cond.Status, cond.Reason = metav1.ConditionTrue, iamv1alpha1.ReasonServicesReady
		cond.Message = fmt.Sprintf("%d of %d services ready", len(list), len(list))
		if len(list) == 1 {
			cond.Message = "the service is ready"
		}
		return cond
	}
	st := list[worst]
	cond.Reason = st.Reason
	if cond.Reason == "" {
		cond.Reason = string(st.Phase)
	}
	cond.Message = fmt.Sprintf("%s: %s", st.Name, st.Message)
	if notReady > 1 {
		cond.Message += fmt.Sprintf(" (and %d more not ready)", notReady-1)
	}
	return cond
}

// servicesBusy is true while the operator is still moving a service:
// applying it, waiting for it to become ready or to go, or for its seat.
// Waiting for the person to accept the invitation, or a failure that
// needs an administrator, is not work under way.
func servicesBusy(list []iamv1alpha1.ServiceStatus) bool {
	for _, st := range list {
		switch {
		case st.Phase == iamv1alpha1.ServicePhaseProvisioning,
			st.Phase == iamv1alpha1.ServicePhaseRemoving && st.Reason != iamv1alpha1.ReasonRemovalTimedOut,
			st.Phase == iamv1alpha1.ServicePhasePending && st.Reason == iamv1alpha1.ReasonAwaitingSeat:
			return true
		}
	}
	return false
}

// stuckRemoval names the removals that outlived --service-removal-timeout,
// or returns "". A person reading `kubectl describe user` or the Ready
// condition of an otherwise Active user learns there that an unassigned
// service's object is still held, and how to release it.
func stuckRemoval(list []iamv1alpha1.ServiceStatus) string {
	var stuck []iamv1alpha1.ServiceStatus
	for _, st := range list {
		if st.Phase == iamv1alpha1.ServicePhaseRemoving && st.Reason == iamv1alpha1.ReasonRemovalTimedOut {
			stuck = append(stuck, st)
		}
	}
	if len(stuck) == 0 {
		return ""
	}
	message := fmt.Sprintf("the removal of %s is stuck: %s", stuck[0].Name, stuck[0].Message)
	if len(stuck) > 1 {
		message += fmt.Sprintf(" (and %d more stuck)", len(stuck)-1)
	}
	return message
}
