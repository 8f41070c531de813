package console

import (
	"context"
	"slices"

	authorizationv1 "k8s.io/api/authorization/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// Permissions are the actions a page offers the person. They come from one
// SelfSubjectRulesReview, so the page shows what RBAC allows; the API
// server still decides every write, and its refusal is shown in words.
type Permissions struct {
	MayListUsers  bool
	MayWatchUsers bool
	// MayInvite creates users.
	MayInvite bool
	// MayEdit patches users: their fields, state (disable, enable, soft
	// delete, restore), role, services and action annotations (resend the
	// invitation, unlock, reset the password or the second factor). A
	// "log in as" needs it too: only a user manager may.
	MayEdit bool
	// MayDelete deletes users for good (purge).
	MayDelete bool
	// MayRefill creates balance transactions; MayCancel deletes the latest.
	MayRefill            bool
	MayCancel            bool
	MayListTransactions  bool
	MayListHistory       bool
	MayListSubscriptions bool
	MayListTeams         bool
	MayEditTeams         bool
}

// MayLogInAs says whether to offer "log in as": the self-service server
// lets only a user manager start one, and a user manager may edit users.
func (p Permissions) MayLogInAs() bool { return p.MayEdit }

// MayWrite says whether the person may change any user at all.
func (p Permissions) MayWrite() bool {
	return p.MayInvite || p.MayEdit || p.MayDelete || p.MayRefill || p.MayCancel
}

// permissionsFrom reads the rules of a SelfSubjectRulesReview. An
// incomplete review (an authorizer that cannot list its rules) offers
// every action: the page must not hide what the person may do, and the
// API server refuses what they may not.
func permissionsFrom(status authorizationv1.SubjectRulesReviewStatus) Permissions {
	may := func(verb, resource string) bool {
		return status.Incomplete || allows(status.ResourceRules, iamv1alpha1.GroupVersion.Group, resource, verb)
	}
	return Permissions{
		MayListUsers:         may(verbList, resourceUsers),
		MayWatchUsers:        may(verbWatch, resourceUsers),
		MayInvite:            may(verbCreate, resourceUsers),
		MayEdit:              may(verbPatch, resourceUsers),
		MayDelete:            may(verbDelete, resourceUsers),
		MayRefill:            may(verbCreate, resourceTransactions),
		MayCancel:            may(verbDelete, resourceTransactions),
		MayListTransactions:  may(verbList, resourceTransactions),
		MayListHistory:       may(verbList, resourceUserChanges),
		MayListSubscriptions: may(verbList, resourceSubscriptions),
		MayListTeams:         may(verbList, resourceTeams),
		MayEditTeams:         may(verbPatch, resourceTeams),
	}
}

// allows says whether a rule grants verb on every object of resource in
// group. A rule limited to some names does not: the console acts on any
// user of the account.
func allows(rules []authorizationv1.ResourceRule, group, resource, verb string) bool {
	for _, r := range rules {
		if len(r.ResourceNames) > 0 {
			continue
		}
		if matches(r.APIGroups, group) && matches(r.Resources, resource) && matches(r.Verbs, verb) {
			return true
		}
	}
	return false
}

// matches says whether a rule's list names want, or everything.
func matches(list []string, want string) bool {
	return slices.Contains(list, want) || slices.Contains(list, "*")
}

// permissions asks the API server, once per page, what the person may do
// in their account.
func (v *visit) permissions(ctx context.Context) Permissions {
	if v.perms != nil {
		return *v.perms
	}
	review := &authorizationv1.SelfSubjectRulesReview{
		Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: v.person.Namespace},
	}
	var p Permissions
	if err := v.client.Create(ctx, review); err != nil {
		// Without an answer the page offers nothing; reads still show
		// what the person may read, and their refusals say why.
		v.console.log.Error(err, "Review what the person may do", "account", v.person.Namespace, "user", v.person.User)
	} else {
		p = permissionsFrom(review.Status)
	}
	v.perms = &p
	return p
}
