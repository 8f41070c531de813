package integration

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// The API server itself refuses bad users, with the schema's message, before
// anything is stored.
func TestSchemaRejectsInvalidUsers(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name    string
		mutate  func(u *iamv1alpha1.User)
		message string
	}{
		{"one-letter name", func(u *iamv1alpha1.User) { u.Spec.FullName = "A" }, "spec.fullName in body should be at least 2 chars long"},
		{"name too long", func(u *iamv1alpha1.User) { u.Spec.FullName = "Alice Bartholomew Catherine Dorothea Evangeline Fitz" }, "spec.fullName: Too long"},
		{"bad email", func(u *iamv1alpha1.User) { u.Spec.Email = "alice.example.com" }, "email must be a valid address"},
		{"letters in phone", func(u *iamv1alpha1.User) { u.Spec.Phone = "555-CALL" }, "phone must contain digits only"},
		{"letters in extension", func(u *iamv1alpha1.User) { u.Spec.Phone = "5550100"; u.Spec.PhoneExtension = "x12" }, "phoneExtension must contain digits only"},
		{"extension without phone", func(u *iamv1alpha1.User) { u.Spec.PhoneExtension = "12" }, "phoneExtension needs a phone"},
		{"unknown state", func(u *iamv1alpha1.User) { u.Spec.State = "Paused" }, `spec.state: Unsupported value: "Paused"`},
		{"plain http photo", func(u *iamv1alpha1.User) {
			u.Spec.Profile = &iamv1alpha1.UserProfile{PhotoURL: "http://example.com/a.png"}
		}, "photoURL must be an https URL"},
		{"unknown profile type", func(u *iamv1alpha1.User) {
			u.Spec.Profile = &iamv1alpha1.UserProfile{Type: "Robot"}
		}, `spec.profile.type: Unsupported value: "Robot"`},
		{"role that cannot be a name", func(u *iamv1alpha1.User) { u.Spec.Role = "Owner!" }, "role must be the name of a Role"},
		{"object name not a DNS label", func(u *iamv1alpha1.User) { u.Name = "alice.smith" }, "metadata.name must be a DNS label"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			user := newUser(ns, "valid", "alice@valid.example")
			tt.mutate(user)
			err := k8s.Create(context.Background(), user, client.DryRunAll)
			g.Expect(err).To(HaveOccurred())
			g.Expect(err.Error()).To(ContainSubstring(tt.message))
		})
	}

	t.Run("a valid user with a full profile is accepted", func(t *testing.T) {
		user := newUser(ns, "valid", "alice@valid.example")
		user.Spec.Phone, user.Spec.PhoneExtension = "15550100", "12"
		user.Spec.Profile = &iamv1alpha1.UserProfile{
			Type: iamv1alpha1.ProfileTypeLegalEntity, PayerNumber: "7701234567", PhotoURL: "https://example.com/a.png",
		}
		NewWithT(t).Expect(k8s.Create(context.Background(), user, client.DryRunAll)).To(Succeed())
		NewWithT(t).Expect(user.Spec.State).To(Equal(iamv1alpha1.UserStateActive), "state defaults to Active")
	})
	t.Run("nothing was stored", func(t *testing.T) {
		list := &iamv1alpha1.UserList{}
		NewWithT(t).Expect(k8s.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
		NewWithT(t).Expect(list.Items).To(BeEmpty())
	})
}
