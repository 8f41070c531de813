package console

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestEditPatch(t *testing.T) {
	user := func() *iamv1alpha1.User {
		u := &iamv1alpha1.User{Spec: iamv1alpha1.UserSpec{
			FullName: "Alice Example", Email: "alice@acme.example", Phone: "5550100", Currency: "EUR",
			Profile: &iamv1alpha1.UserProfile{Bank: "First Bank", LegalAddress: "1 Main St\nSpringfield"},
		}}
		u.ResourceVersion = "42"
		return u
	}
	identity := func(changes map[string]string) url.Values {
		v := url.Values{"section": {"identity"}, "resourceVersion": {"42"},
			"fullName": {"Alice Example"}, "email": {"alice@acme.example"}, "phone": {"5550100"}, "phoneExtension": {""}}
		for k, val := range changes {
			v.Set(k, val)
		}
		return v
	}
	billing := func(changes map[string]string) url.Values {
		v := url.Values{"section": {"billing"}, "resourceVersion": {"42"}, "bank": {"First Bank"}, "legalAddress": {"1 Main St\r\nSpringfield"}}
		for k, val := range changes {
			v.Set(k, val)
		}
		return v
	}
	tests := []struct {
		name    string
		section string
		form    url.Values
		want    string // JSON, "" for no patch
	}{
		{name: "nothing changed: no patch", section: sectionIdentity, form: identity(nil)},
		{name: "one field changed: only it, guarded by the form's resourceVersion", section: sectionIdentity,
			form: identity(map[string]string{"fullName": "Alice Smith"}),
			want: `{"metadata":{"resourceVersion":"42"},"spec":{"fullName":"Alice Smith"}}`},
		{name: "a cleared optional field is removed", section: sectionIdentity, form: identity(map[string]string{"phone": ""}),
			want: `{"metadata":{"resourceVersion":"42"},"spec":{"phone":null}}`},
		{name: "a cleared required field is sent empty, for the API server to refuse", section: sectionIdentity,
			form: identity(map[string]string{"email": ""}),
			want: `{"metadata":{"resourceVersion":"42"},"spec":{"email":""}}`},
		{name: "a checkbox sent is true", section: sectionIdentity, form: identity(map[string]string{"requireTwoFactor": "true"}),
			want: `{"metadata":{"resourceVersion":"42"},"spec":{"requireTwoFactor":true}}`},
		{name: "a currency once set is never sent", section: sectionIdentity, form: identity(map[string]string{"currency": "USD"})},
		{name: "textarea line breaks as the API keeps them: unchanged", section: sectionBilling, form: billing(nil)},
		{name: "payer fields go under profile", section: sectionBilling,
			form: billing(map[string]string{"payerNumber": "123", "bank": "", "type": "LegalEntity"}),
			want: `{"metadata":{"resourceVersion":"42"},"spec":{"profile":{"bank":null,"payerNumber":"123","type":"LegalEntity"}}}`},
		{name: "another section's fields are left alone", section: sectionBilling,
			form: billing(map[string]string{"fullName": "Mallory"})},
		{name: "without a resourceVersion, no guard", section: sectionIdentity,
			form: url.Values{"fullName": {"Alice Smith"}, "email": {"alice@acme.example"}, "phone": {"5550100"}},
			want: `{"spec":{"fullName":"Alice Smith"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := editPatch(user(), tt.section, tt.form)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if got != nil {
					t.Fatalf("patch %s, want none", got)
				}
				return
			}
			var gotJSON, wantJSON any
			if err := json.Unmarshal(got, &gotJSON); err != nil {
				t.Fatalf("patch %q: %v", got, err)
			}
			if err := json.Unmarshal([]byte(tt.want), &wantJSON); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantJSON, gotJSON); diff != "" {
				t.Errorf("patch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServicesPatch(t *testing.T) {
	u := &iamv1alpha1.User{Spec: iamv1alpha1.UserSpec{Services: []iamv1alpha1.ServiceAssignment{
		{ServiceClass: "mailbox"}, {ServiceClass: "mailbox", Name: "second"},
	}}}
	tests := []struct {
		name    string
		form    url.Values
		want    string
		problem bool
	}{
		{name: "remove one by its name", form: url.Values{"remove": {"second"}, "resourceVersion": {"7"}},
			want: `{"metadata":{"resourceVersion":"7"},"spec":{"services":[{"serviceClass":"mailbox"}]}}`},
		{name: "remove the one named after its class", form: url.Values{"remove": {"mailbox"}},
			want: `{"spec":{"services":[{"name":"second","serviceClass":"mailbox"}]}}`},
		{name: "add a class", form: url.Values{"serviceClass": {"vps"}},
			want: `{"spec":{"services":[{"serviceClass":"mailbox"},{"name":"second","serviceClass":"mailbox"},{"serviceClass":"vps"}]}}`},
		{name: "remove one that is gone", form: url.Values{"remove": {"nope"}}, problem: true},
		{name: "add nothing", form: url.Values{"serviceClass": {" "}}, problem: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := servicesPatch(u, tt.form)
			if tt.problem {
				if _, ok := err.(Problem); !ok {
					t.Fatalf("err %v, want a Problem", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var gotJSON, wantJSON any
			_ = json.Unmarshal(got, &gotJSON)
			_ = json.Unmarshal([]byte(tt.want), &wantJSON)
			if diff := cmp.Diff(wantJSON, gotJSON); diff != "" {
				t.Errorf("patch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfirms(t *testing.T) {
	u := &iamv1alpha1.User{Spec: iamv1alpha1.UserSpec{Email: "Bob@Acme.example"}}
	u.Name = "bob"
	tests := []struct {
		typed string
		want  bool
	}{
		{"bob", true},
		{"  bob ", true},
		{"bob@acme.example", true},
		{"BOB@ACME.EXAMPLE", true},
		{"Bob", false},
		{"", false},
		{"   ", false},
		{"bo", false},
		{"alice", false},
		{"bob@acme", false},
	}
	for _, tt := range tests {
		if got := confirms(u, tt.typed); got != tt.want {
			t.Errorf("confirms(%q) = %v, want %v", tt.typed, got, tt.want)
		}
	}
}
