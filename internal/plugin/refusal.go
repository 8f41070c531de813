package plugin

import (
	"errors"
	"regexp"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// refusal is who said no to a request the API server understood.
type refusal int

const (
	// notRefused is any other failure (not found, a conflict, a timeout),
	// reported as it is.
	notRefused refusal = iota
	// refusedByRBAC: the caller's identity lacks the permission; an
	// administrator fixes it with a Role.
	refusedByRBAC
	// refusedByAdmission: the caller holds the permission, and a rule
	// refused this particular request: an admission webhook (the last-owner
	// rule, the seat quota), a ValidatingAdmissionPolicy, a ResourceQuota,
	// or the schema and its CEL rules. Its message says what to change;
	// granting more rights would not help.
	refusedByAdmission
)

// authorizerDenial is the shape of the API server's authorization answer,
// whichever authorizer gave it (RBAC, Node, a webhook authorizer), and of a
// refused impersonation: `<resource> "<name>" is forbidden: User "<user>"
// cannot <verb> resource "<resource>" in API group ...`, or for a path
// that is no resource `forbidden: User "<user>" cannot <verb> path
// "<path>"`. An admission plugin's 403 never has it.
var authorizerDenial = regexp.MustCompile(`(?:^|\bis )forbidden: User "(?:[^"\\]|\\.)*" cannot \S+ (?:resource|path) "`)

// admissionWebhookPrefix starts every denial the API server relays from
// an admission webhook, whatever code and reason the webhook chose.
const admissionWebhookPrefix = "admission webhook "

// refusalOf tells a refusal by authorization from one by admission. Both can
// be a 403 Forbidden, so the code alone cannot: the API server's message
// says who refused, and that is what is read.
func refusalOf(err error) refusal {
	var status apierrors.APIStatus
	if err == nil || !errors.As(err, &status) {
		return notRefused
	}
	s := status.Status()
	switch {
	case strings.HasPrefix(s.Message, admissionWebhookPrefix):
		return refusedByAdmission
	case s.Reason == metav1.StatusReasonInvalid:
		return refusedByAdmission
	case s.Reason != metav1.StatusReasonForbidden:
		return notRefused
	case authorizerDenial.MatchString(s.Message):
		return refusedByRBAC
	default:
		// A ValidatingAdmissionPolicy, a ResourceQuota or another admission
		// plugin: every 403 that authorization did not give.
		return refusedByAdmission
	}
}
