package integration

import (
	"context"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// A reference that no object could ever answer to (a name its target kind
// cannot have) is refused when it is applied, with the field named, rather
// than reported later in status as a target not found.
func TestSchemaRefusesReferencesThatCanNeverResolve(t *testing.T) {
	ns := newNamespace(t)
	user := func(set func(u *iamv1alpha1.User)) client.Object {
		u := newUser(ns, "refs", "refs@refs.example")
		set(u)
		return u
	}
	assign := func(a iamv1alpha1.ServiceAssignment) client.Object {
		return user(func(u *iamv1alpha1.User) { u.Spec.Services = []iamv1alpha1.ServiceAssignment{a} })
	}
	team := func(spec iamv1alpha1.TeamSpec) client.Object {
		spec.DisplayName = "Support"
		return &iamv1alpha1.Team{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "support"}, Spec: spec}
	}
	subscription := func(class string) client.Object {
		return &iamv1alpha1.Subscription{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "basic"},
			Spec:       iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{{ServiceClass: class, Quantity: 1}}},
		}
	}
	transaction := func(userName string) client.Object {
		return &iamv1alpha1.BalanceTransaction{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "refs-refill"},
			Spec:       iamv1alpha1.BalanceTransactionSpec{User: userName, Type: iamv1alpha1.TransactionRefill, Amount: "1.00", Currency: "USD"},
		}
	}
	long := strings.Repeat("a", 64)

	tests := []struct {
		name    string
		object  client.Object
		path    string
		message string
	}{
		{"role with capitals", user(func(u *iamv1alpha1.User) { u.Spec.Role = "Owner" }), "spec.role", "role must be the name of a Role"},
		{"role too long for a name", user(func(u *iamv1alpha1.User) { u.Spec.Role = long }), "spec.role", "Too long"},
		{"service class with a space", assign(iamv1alpha1.ServiceAssignment{ServiceClass: "mail box", Name: "mail"}),
			"spec.services[0].serviceClass", "serviceClass must be the name of a ServiceClass"},
		{"service class with a dot", assign(iamv1alpha1.ServiceAssignment{ServiceClass: "mail.box", Name: "mail"}),
			"spec.services[0].serviceClass", "serviceClass must be the name of a ServiceClass"},
		{"service class too long", assign(iamv1alpha1.ServiceAssignment{ServiceClass: long, Name: "mail"}),
			"spec.services[0].serviceClass", "Too long"},
		{"subscription with an underscore", assign(iamv1alpha1.ServiceAssignment{ServiceClass: "mailbox", Subscription: "basic_plan"}),
			"spec.services[0].subscription", "subscription must be the name of a Subscription"},
		{"subscription ending in a dot", assign(iamv1alpha1.ServiceAssignment{ServiceClass: "mailbox", Subscription: "basic."}),
			"spec.services[0].subscription", "subscription must be the name of a Subscription"},
		{"team member with capitals", team(iamv1alpha1.TeamSpec{Members: []string{"alice", "Bob"}}),
			"spec.members[1]", "members must be names of Users"},
		{"team member too long", team(iamv1alpha1.TeamSpec{Members: []string{long}}), "spec.members[0]", "Too long"},
		{"team role with a colon", team(iamv1alpha1.TeamSpec{Role: "system:admin"}), "spec.role", "role must be the name of a Role"},
		{"subscribed class with capitals", subscription("Mailbox"), "spec.services[0].serviceClass", "serviceClass must be the name of a ServiceClass"},
		{"transaction for an email", transaction("alice@acme.example"), "spec.user", "user must be the name of a User"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			err := k8s.Create(context.Background(), tt.object, client.DryRunAll)
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
			g.Expect(err.Error()).To(ContainSubstring(tt.path + ": "))
			g.Expect(err.Error()).To(ContainSubstring(tt.message))
		})
	}

	t.Run("names their targets can have are admitted", func(t *testing.T) {
		g := NewWithT(t)
		for _, obj := range []client.Object{
			user(func(u *iamv1alpha1.User) { u.Spec.Role = "account-owner-2" }),
			assign(iamv1alpha1.ServiceAssignment{ServiceClass: "mailbox", Subscription: "basic.v2-2026"}),
			team(iamv1alpha1.TeamSpec{Members: []string{"alice", "bob-2"}, Role: "manager"}),
			subscription("vps-small"),
			transaction("alice"),
		} {
			g.Expect(k8s.Create(context.Background(), obj, client.DryRunAll)).To(Succeed(), "%T", obj)
		}
	})
}
