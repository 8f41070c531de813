package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// statusError is the error client-go makes of a Status body the API server
// sent.
func statusError(t *testing.T, body string) error {
	t.Helper()
	var status metav1.Status
	if err := json.Unmarshal([]byte(body), &status); err != nil {
		t.Fatalf("a test's Status body: %v", err)
	}
	return &apierrors.StatusError{ErrStatus: status}
}

// The bodies are the API server's own answers, as a kube-apiserver of this
// project's pinned version sent them to the test/plugin suite (RBAC as a
// user with a Role in one namespace, the Tenantry webhooks, a
// ValidatingAdmissionPolicy, the CRD's CEL rules), and the shapes of the
// answers of its other admission plugins.
func TestRefusalOfTellsAdmissionFromAuthorization(t *testing.T) {
	tests := []struct {
		name string
		body string
		want refusal
	}{
		{"RBAC: a verb on a named object", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"users.iam.tenantry.io \"hugo\" is forbidden: User \"clerk@refusals.example\" cannot delete resource \"users\" in API group \"iam.tenantry.io\" in the namespace \"refusals\"","reason":"Forbidden","details":{"name":"hugo","group":"iam.tenantry.io","kind":"users"},"code":403}`,
			refusedByRBAC},
		{"RBAC: a create, no name yet", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"balancetransactions.iam.tenantry.io is forbidden: User \"clerk@refusals.example\" cannot create resource \"balancetransactions\" in API group \"iam.tenantry.io\" in the namespace \"refusals\"","reason":"Forbidden","details":{"group":"iam.tenantry.io","kind":"balancetransactions"},"code":403}`,
			refusedByRBAC},
		{"RBAC: a cluster-scoped list", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"serviceclasses.iam.tenantry.io is forbidden: User \"clerk@refusals.example\" cannot list resource \"serviceclasses\" in API group \"iam.tenantry.io\" at the cluster scope","reason":"Forbidden","details":{"group":"iam.tenantry.io","kind":"serviceclasses"},"code":403}`,
			refusedByRBAC},
		{"RBAC: with the authorizer's reason after", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"users.iam.tenantry.io is forbidden: User \"system:serviceaccount:ci:deployer\" cannot list resource \"users\" in API group \"iam.tenantry.io\" in the namespace \"acme\": RBAC: role.rbac.authorization.k8s.io \"deployer\" not found","reason":"Forbidden","details":{"group":"iam.tenantry.io","kind":"users"},"code":403}`,
			refusedByRBAC},
		{"RBAC: a user name with a quote", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"users.iam.tenantry.io is forbidden: User \"eve \\\"the admin\\\"\" cannot list resource \"users\" in API group \"iam.tenantry.io\" in the namespace \"acme\"","reason":"Forbidden","details":{"group":"iam.tenantry.io","kind":"users"},"code":403}`,
			refusedByRBAC},
		{"impersonation refused", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"users \"clerk@refusals.example\" is forbidden: User \"bob@acme.example\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope","reason":"Forbidden","details":{"name":"clerk@refusals.example","kind":"users"},"code":403}`,
			refusedByRBAC},
		{"a non-resource path", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \"system:anonymous\" cannot get path \"/apis\"","reason":"Forbidden","details":{},"code":403}`,
			refusedByRBAC},
		{"webhook: the last-owner rule", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"admission webhook \"vuser.iam.tenantry.io\" denied the request: users.iam.tenantry.io \"olga\" is forbidden: last-owner rule: an account keeps at least one active owner; olga is the last active owner of account refusals and cannot be disabled; make another user owner first","reason":"Forbidden","details":{"name":"olga","group":"iam.tenantry.io","kind":"users"},"code":403}`,
			refusedByAdmission},
		{"webhook: the seat quota", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"admission webhook \"vuser.iam.tenantry.io\" denied the request: users.iam.tenantry.io \"bob\" is forbidden: subscription basic has 2 storage left and this change assigns 3","reason":"Forbidden","details":{"name":"bob","group":"iam.tenantry.io","kind":"users"},"code":403}`,
			refusedByAdmission},
		{"webhook: invalid, 422", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"admission webhook \"vuser.iam.tenantry.io\" denied the request: User.iam.tenantry.io \"olga\" is invalid: spec.currency: Invalid value: \"EUR\": currency cannot change","reason":"Invalid","details":{"name":"olga","group":"iam.tenantry.io","kind":"User","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"EUR\": currency cannot change","field":"spec.currency"}]},"code":422}`,
			refusedByAdmission},
		{"webhook: a bare denial", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"admission webhook \"vbalancetransaction.iam.tenantry.io\" denied the request: only the latest applied transaction can be cancelled","reason":"Forbidden","code":403}`,
			refusedByAdmission},
		{"webhook: quoting a user who cannot", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"admission webhook \"policy.example.com\" denied the request: users.iam.tenantry.io \"olga\" is forbidden: User \"bob\" cannot patch resource \"users\" after hours","reason":"Forbidden","code":403}`,
			refusedByAdmission},
		{"ValidatingAdmissionPolicy: its default reason, Invalid", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"users.iam.tenantry.io \"hugo\" is forbidden: ValidatingAdmissionPolicy 'legal-hold-refusals' with binding 'legal-hold-refusals' denied request: account refusals is on legal hold: its users cannot be disabled","reason":"Invalid","details":{"name":"hugo","group":"iam.tenantry.io","kind":"users","causes":[{"message":"ValidatingAdmissionPolicy 'legal-hold-refusals' with binding 'legal-hold-refusals' denied request: account refusals is on legal hold: its users cannot be disabled"}]},"code":422}`,
			refusedByAdmission},
		{"ValidatingAdmissionPolicy with reason Forbidden", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"users.iam.tenantry.io \"hugo\" is forbidden: ValidatingAdmissionPolicy 'legal-hold-refusals' with binding 'legal-hold-refusals' denied request: account refusals is on legal hold: its users cannot be disabled","reason":"Forbidden","details":{"name":"hugo","group":"iam.tenantry.io","kind":"users"},"code":403}`,
			refusedByAdmission},
		{"the schema's CEL rule", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"User.iam.tenantry.io \"hugo\" is invalid: spec.role: Invalid value: \"Not_A_Role\": role must be the name of a Role: lower case letters, digits and '-'","reason":"Invalid","details":{"name":"hugo","group":"iam.tenantry.io","kind":"User","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"Not_A_Role\": role must be the name of a Role: lower case letters, digits and '-'","field":"spec.role"}]},"code":422}`,
			refusedByAdmission},
		{"a ResourceQuota", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"balancetransactions.iam.tenantry.io \"alice-refill-x\" is forbidden: exceeded quota: ledger, requested: count/balancetransactions.iam.tenantry.io=1, used: count/balancetransactions.iam.tenantry.io=100, limited: count/balancetransactions.iam.tenantry.io=100","reason":"Forbidden","details":{"name":"alice-refill-x","group":"iam.tenantry.io","kind":"balancetransactions"},"code":403}`,
			refusedByAdmission},
		{"an account being deleted", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"balancetransactions.iam.tenantry.io \"alice-refill-x\" is forbidden: unable to create new content in namespace acme because it is being terminated","reason":"Forbidden","details":{"name":"alice-refill-x","group":"iam.tenantry.io","kind":"balancetransactions","causes":[{"reason":"NamespaceTerminating","message":"namespace acme is being terminated","field":"metadata.namespace"}]},"code":403}`,
			refusedByAdmission},
		{"not found", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"users.iam.tenantry.io \"nobody\" not found","reason":"NotFound","details":{"name":"nobody","group":"iam.tenantry.io","kind":"users"},"code":404}`,
			notRefused},
		{"a conflict", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on users.iam.tenantry.io \"olga\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"olga","group":"iam.tenantry.io","kind":"users"},"code":409}`,
			notRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := statusError(t, tt.body)
			if got := refusalOf(err); got != tt.want {
				t.Errorf("refusalOf() = %d, want %d", got, tt.want)
			}
			if got := refusalOf(fmt.Errorf("patch user: %w", err)); got != tt.want {
				t.Errorf("refusalOf(wrapped) = %d, want %d", got, tt.want)
			}
		})
	}

	t.Run("an error that is no answer of the API server", func(t *testing.T) {
		for _, err := range []error{nil, errors.New("dial tcp 127.0.0.1:6443: connect: connection refused")} {
			if got := refusalOf(err); got != notRefused {
				t.Errorf("refusalOf(%v) = %d, want notRefused", err, got)
			}
		}
	})
}

// explain names the missing permission only for an authorization refusal,
// and otherwise keeps the API server's message whole.
func TestExplainShowsTheRuleOrTheMissingPermission(t *testing.T) {
	users := schema.GroupResource{Group: "iam.tenantry.io", Resource: "users"}
	a := access{verbPatch, usersResource, "acme"}
	tests := []struct {
		name       string
		err        error
		want       string
		notWanting string
	}{
		{"RBAC", apierrors.NewForbidden(users, "bob", errors.New(`User "clerk" cannot patch resource "users" in API group "iam.tenantry.io" in the namespace "acme"`)),
			`permission denied: this needs "patch" on users.iam.tenantry.io in namespace "acme", which your identity does not have`, "admission"},
		{"the last-owner rule", statusError(t, `{"status":"Failure","message":"admission webhook \"vuser.iam.tenantry.io\" denied the request: users.iam.tenantry.io \"alice\" is forbidden: last-owner rule: an account keeps at least one active owner","reason":"Forbidden","code":403}`),
			`patch users.iam.tenantry.io refused by the cluster's admission rules, not for lack of permission: admission webhook "vuser.iam.tenantry.io" denied the request: users.iam.tenantry.io "alice" is forbidden: last-owner rule: an account keeps at least one active owner`,
			"permission denied"},
		{"not found", apierrors.NewNotFound(users, "bob"), `patch users.iam.tenantry.io: users.iam.tenantry.io "bob" not found`, "permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := explain(tt.err, a).Error()
			if !strings.Contains(got, tt.want) || strings.Contains(got, tt.notWanting) {
				t.Errorf("explain() = %q, want it to contain %q and not %q", got, tt.want, tt.notWanting)
			}
		})
	}
	if explain(nil, a) != nil {
		t.Error("explain(nil) is not nil")
	}
}
