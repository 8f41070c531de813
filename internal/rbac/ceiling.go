package rbac

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/component-helpers/auth/rbac/validation"
)

// DefaultGrantCeiling is the name of the ClusterRole that bounds what Roles
// may grant, as config/default names it: the cluster administrator decides
// what goes into it (every ClusterRole labelled GrantableLabel is aggregated
// into it) and binds it to the manager, which then may hand out exactly
// that and nothing more. The manager holds neither escalate nor bind, so
// Kubernetes' own escalation check enforces the ceiling whatever the
// manager is told to do; the check below only says why, before trying.
const DefaultGrantCeiling = "tenantry-grant-ceiling"

// GrantableLabel marks the ClusterRoles aggregated into the grant ceiling.
const GrantableLabel = "iam.tenantry.io/aggregate-to-grantable"

// BeyondCeiling returns the rules of a rendered ClusterRole that the grant
// ceiling does not cover, broken down to one verb on one resource each, as
// Kubernetes' escalation check compares them. None means the role may be
// granted.
func BeyondCeiling(ceiling, rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	covered, missing := validation.Covers(ceiling, rules)
	if covered {
		return nil
	}
	return missing
}

// maxDescribedRules bounds how many missing rules a message lists, so that
// a role granting "*" on everything does not fill a condition.
const maxDescribedRules = 8

// DescribeRules says which permissions rules grant, in kubectl's words
// ("get,list secrets", "create deployments in apps", "get /healthz"): the
// verbs of rules on the same resources are merged, as Kubernetes' escalation
// check breaks a rule down to one verb each. Sorted, at most
// maxDescribedRules of them.
func DescribeRules(rules []rbacv1.PolicyRule) string {
	verbs := map[string][]string{}
	var targets []string
	for _, r := range rules {
		target := describeTarget(r)
		if _, seen := verbs[target]; !seen {
			targets = append(targets, target)
		}
		verbs[target] = append(verbs[target], r.Verbs...)
	}
	parts := make([]string, 0, len(targets))
	for _, target := range targets {
		v := verbs[target]
		slices.Sort(v)
		parts = append(parts, strings.Join(slices.Compact(v), ",")+" "+target)
	}
	slices.Sort(parts)
	if len(parts) > maxDescribedRules {
		rest := len(parts) - maxDescribedRules
		parts = append(parts[:maxDescribedRules], fmt.Sprintf("and %d more", rest))
	}
	return strings.Join(parts, ", ")
}

// describeTarget says what a rule grants its verbs on.
func describeTarget(r rbacv1.PolicyRule) string {
	if len(r.NonResourceURLs) > 0 {
		return strings.Join(r.NonResourceURLs, ",")
	}
	target := strings.Join(r.Resources, ",")
	if len(r.ResourceNames) > 0 {
		target += "/" + strings.Join(r.ResourceNames, ",")
	}
	// The core group goes unsaid, as kubectl says "pods", unless other
	// groups are named with it.
	if len(r.APIGroups) == 0 || (len(r.APIGroups) == 1 && r.APIGroups[0] == "") {
		return target
	}
	groups := make([]string, 0, len(r.APIGroups))
	for _, g := range r.APIGroups {
		if g == "" {
			g = "core"
		}
		groups = append(groups, g)
	}
	return target + " in " + strings.Join(groups, ",")
}

// BeyondCeilingMessage says, in the words a person applying the Role and
// reading its status needs, what it may not grant and how to allow it.
func BeyondCeilingMessage(ceiling string, missing []rbacv1.PolicyRule) string {
	return fmt.Sprintf("the role grants what the grant ceiling %s does not hold, so the operator may not hand it out: %s; "+
		"a cluster administrator allows more with a ClusterRole labelled %s=true",
		ceiling, DescribeRules(missing), GrantableLabel)
}
