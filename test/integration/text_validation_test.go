package integration

import (
	"context"
	"reflect"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// textField is one free-text field people read, and how to set it on a
// fresh, otherwise valid object.
type textField struct {
	path string // as the API server names it
	// multiLine fields take line breaks (LF, CR) and nothing else of C0/C1.
	multiLine bool
	object    func(ns, value string) client.Object
}

// textFields are every human text field of the API that admission guards.
func textFields() []textField {
	user := func(set func(u *iamv1alpha1.User, v string)) func(ns, v string) client.Object {
		return func(ns, v string) client.Object {
			u := newUser(ns, "text", "text@text.example")
			set(u, v)
			return u
		}
	}
	profile := func(set func(p *iamv1alpha1.UserProfile, v string)) func(ns, v string) client.Object {
		return user(func(u *iamv1alpha1.User, v string) {
			u.Spec.Profile = &iamv1alpha1.UserProfile{}
			set(u.Spec.Profile, v)
		})
	}
	role := func(set func(r *iamv1alpha1.Role, v string)) func(ns, v string) client.Object {
		return func(_, v string) client.Object {
			r := &iamv1alpha1.Role{ObjectMeta: metav1.ObjectMeta{Name: "text-role"}, Spec: iamv1alpha1.RoleSpec{DisplayName: "Text"}}
			set(r, v)
			return r
		}
	}
	transaction := func(set func(s *iamv1alpha1.BalanceTransactionSpec, v string)) func(ns, v string) client.Object {
		return func(ns, v string) client.Object {
			b := &iamv1alpha1.BalanceTransaction{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "text-refill"},
				Spec:       iamv1alpha1.BalanceTransactionSpec{User: "text", Type: iamv1alpha1.TransactionRefill, Amount: "1.00", Currency: "USD"},
			}
			set(&b.Spec, v)
			return b
		}
	}
	return []textField{
		{path: "spec.fullName", object: user(func(u *iamv1alpha1.User, v string) { u.Spec.FullName = v })},
		{path: "spec.email", object: user(func(u *iamv1alpha1.User, v string) { u.Spec.Email = "a" + v + "@text.example" })},
		{path: "spec.profile.payerNumber", object: profile(func(p *iamv1alpha1.UserProfile, v string) { p.PayerNumber = v })},
		{path: "spec.profile.legalAddress", multiLine: true, object: profile(func(p *iamv1alpha1.UserProfile, v string) { p.LegalAddress = v })},
		{path: "spec.profile.postalAddress", multiLine: true, object: profile(func(p *iamv1alpha1.UserProfile, v string) { p.PostalAddress = v })},
		{path: "spec.profile.bank", object: profile(func(p *iamv1alpha1.UserProfile, v string) { p.Bank = v })},
		{path: "spec.profile.bankAccount", object: profile(func(p *iamv1alpha1.UserProfile, v string) { p.BankAccount = v })},
		{path: "spec.profile.additionalInfo", multiLine: true, object: profile(func(p *iamv1alpha1.UserProfile, v string) { p.AdditionalInfo = v })},
		{path: "spec.profile.preferredMap", object: profile(func(p *iamv1alpha1.UserProfile, v string) { p.PreferredMap = v })},
		{path: "spec.profile.photoURL", object: profile(func(p *iamv1alpha1.UserProfile, v string) { p.PhotoURL = "https://example.com/" + v })},
		{path: "spec.displayName", object: role(func(r *iamv1alpha1.Role, v string) { r.Spec.DisplayName = v })},
		{path: "spec.description", multiLine: true, object: role(func(r *iamv1alpha1.Role, v string) { r.Spec.Description = v })},
		{path: "spec.displayName", object: func(ns, v string) client.Object {
			return &iamv1alpha1.Team{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "text-team"}, Spec: iamv1alpha1.TeamSpec{DisplayName: v}}
		}},
		{path: "spec.displayName", object: func(_, v string) client.Object {
			return &iamv1alpha1.ServiceClass{
				ObjectMeta: metav1.ObjectMeta{Name: "text-class"},
				Spec: iamv1alpha1.ServiceClassSpec{
					DisplayName: v, ColumnName: "text",
					Template: runtime.RawExtension{Raw: []byte(`{"apiVersion":"v1","kind":"ConfigMap"}`)},
				},
			}
		}},
		{path: "spec.description", object: transaction(func(s *iamv1alpha1.BalanceTransactionSpec, v string) { s.Description = v })},
		{path: "spec.idempotencyKey", object: transaction(func(s *iamv1alpha1.BalanceTransactionSpec, v string) { s.IdempotencyKey = v })},
	}
}

// A control character in a name, address or other text people read can
// split an email header, forge a log line or hide text on a terminal, so
// the API server refuses it at admission and names the field; line breaks
// only where a text is meant to span lines. Unicode text is welcome.
func TestSchemaRefusesControlCharactersInText(t *testing.T) {
	ns := newNamespace(t)
	create := func(obj client.Object) error {
		return k8s.Create(context.Background(), obj, client.DryRunAll)
	}
	// Each is refused in every field; the line breaks only in one-line ones.
	everywhere := map[string]string{
		"NUL": "Ali\x00ce", "tab": "Ali\tce", "escape": "Ali\x1b[2Jce", "DEL": "Ali\x7fce",
		"C1 next line": "Ali\u0085ce", "C1 control sequence": "Ali\u009bce",
	}
	lineBreaks := map[string]string{"LF": "Alice\nBob", "CR": "Alice\rBob", "CRLF": "Alice\r\nBob"}
	for _, f := range textFields() {
		kind := reflect.TypeOf(f.object(ns, "")).Elem().Name()
		t.Run(kind+" "+f.path, func(t *testing.T) {
			g := NewWithT(t)
			for what, value := range everywhere {
				err := create(f.object(ns, value))
				g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%s in %s: %v", what, f.path, err)
				g.Expect(err.Error()).To(ContainSubstring(f.path+": Invalid value"), what)
				g.Expect(err.Error()).To(ContainSubstring("control characters"), what)
			}
			for what, value := range lineBreaks {
				err := create(f.object(ns, value))
				if f.multiLine {
					g.Expect(err).NotTo(HaveOccurred(), "%s in %s", what, f.path)
					continue
				}
				g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%s in %s: %v", what, f.path, err)
				g.Expect(err.Error()).To(ContainSubstring(f.path+": Invalid value"), what)
				g.Expect(err.Error()).To(ContainSubstring("must be one line of text"), what)
			}
		})
	}

	t.Run("unicode text is admitted", func(t *testing.T) {
		g := NewWithT(t)
		for _, value := range []string{"José Müller", "株式会社", "Zoë Ødegård-Łukasz", "Ἀθηνᾶ", "Ана\u00a0Иванова"} {
			user := newUser(ns, "unicode", "jose@unicode.example")
			user.Spec.FullName = value
			user.Spec.Profile = &iamv1alpha1.UserProfile{LegalAddress: value + "\n1 Example Street", Bank: value, AdditionalInfo: value}
			g.Expect(create(user)).To(Succeed(), value)
			role := &iamv1alpha1.Role{ObjectMeta: metav1.ObjectMeta{Name: "unicode"}, Spec: iamv1alpha1.RoleSpec{DisplayName: value, Description: value}}
			g.Expect(create(role)).To(Succeed(), value)
		}
	})
}
