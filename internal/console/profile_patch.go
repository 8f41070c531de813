package console

import (
	"net/url"
	"strings"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// The profile's sections: each is a form of its own, so that saving one
// never writes what another shows.
const (
	sectionIdentity = "identity"
	sectionBilling  = "billing"
)

// fieldKind says how a form input maps to an API field. A field that
// names no kind is text of one line (an input of InputType, or a select);
// a cleared optional field is removed.
type fieldKind int

const (
	// multiLine is a textarea: browsers send CRLF, the API keeps LF.
	multiLine fieldKind = iota + 1
	// checkbox is true when sent, false when not.
	checkbox
)

// profileField is one input of a profile section: its name is the API
// field's JSON name, so that the API server's causes land next to it.
type profileField struct {
	Name     string
	Label    string
	Kind     fieldKind
	Required bool
	// Profile says the field is under spec.profile, not spec.
	Profile bool
	// InputType is the HTML input's type of a one-line field: inputText,
	// inputEmail, inputTel or inputURL.
	InputType string
	Hint      string
	// Choices are the values of a select ("" is "not set").
	Choices []choice
	// OnceOnly is a field that cannot change once set (currency): it is
	// editable only while empty.
	OnceOnly bool
	// get reads the field's value from a user.
	get func(*iamv1alpha1.User) string
}

// The HTML input types of one-line fields.
const (
	inputText  = "text"
	inputEmail = "email"
	inputTel   = "tel"
	inputURL   = "url"
)

// checkedValue is what a checked checkbox sends (profile.html gives it as
// the value), and how the form tells a true field from a false one ("").
const checkedValue = "true"

// settled says f cannot change any more: it takes a value only once
// (OnceOnly) and u has it. The page shows it, and a save leaves it alone.
func (f profileField) settled(u *iamv1alpha1.User) bool {
	return f.OnceOnly && f.get(u) != ""
}

// profileOf is u's billing details, never nil.
func profileOf(u *iamv1alpha1.User) *iamv1alpha1.UserProfile {
	if u.Spec.Profile == nil {
		return &iamv1alpha1.UserProfile{}
	}
	return u.Spec.Profile
}

// sectionFields are the inputs of each section, in the order the page
// shows them.
var sectionFields = map[string][]profileField{
	sectionIdentity: {
		{Name: fieldFullName, Label: "Full name", Required: true, InputType: inputText,
			get: func(u *iamv1alpha1.User) string { return u.Spec.FullName }},
		{Name: fieldEmail, Label: "Email", Required: true, InputType: inputEmail, Hint: "Where invitations and password resets go; what the person signs in with.",
			get: func(u *iamv1alpha1.User) string { return u.Spec.Email }},
		{Name: "phone", Label: "Phone", InputType: inputTel, Hint: "Digits only.",
			get: func(u *iamv1alpha1.User) string { return u.Spec.Phone }},
		{Name: "phoneExtension", Label: "Phone extension", InputType: inputText, Hint: "Digits only; needs a phone.",
			get: func(u *iamv1alpha1.User) string { return u.Spec.PhoneExtension }},
		{Name: "currency", Label: "Balance currency", InputType: inputText, OnceOnly: true, Hint: "An ISO 4217 code such as USD. It cannot change once set.",
			get: func(u *iamv1alpha1.User) string { return u.Spec.Currency }},
		{Name: "requireTwoFactor", Label: "Require two-factor authentication to sign in", Kind: checkbox,
			get: func(u *iamv1alpha1.User) string { return boolValue(u.Spec.RequireTwoFactor) }},
	},
	sectionBilling: {
		{Name: "type", Label: "Payer type", Profile: true, Choices: []choice{{"", "Not set"}, {string(iamv1alpha1.ProfileTypeIndividual), "Individual"}, {string(iamv1alpha1.ProfileTypeLegalEntity), "Legal entity"}},
			get: func(u *iamv1alpha1.User) string { return string(profileOf(u).Type) }},
		{Name: "payerNumber", Label: "Payer number", Profile: true, InputType: inputText, Hint: "The tax or payer identification number.",
			get: func(u *iamv1alpha1.User) string { return profileOf(u).PayerNumber }},
		{Name: "legalAddress", Label: "Legal address", Profile: true, Kind: multiLine,
			get: func(u *iamv1alpha1.User) string { return profileOf(u).LegalAddress }},
		{Name: "postalAddress", Label: "Postal address", Profile: true, Kind: multiLine, Hint: "Where letters go, when not the legal address.",
			get: func(u *iamv1alpha1.User) string { return profileOf(u).PostalAddress }},
		{Name: "bank", Label: "Bank", Profile: true, InputType: inputText,
			get: func(u *iamv1alpha1.User) string { return profileOf(u).Bank }},
		{Name: "bankAccount", Label: "Bank account", Profile: true, InputType: inputText,
			get: func(u *iamv1alpha1.User) string { return profileOf(u).BankAccount }},
		{Name: "preferredMap", Label: "Preferred map", Profile: true, InputType: inputText,
			get: func(u *iamv1alpha1.User) string { return profileOf(u).PreferredMap }},
		{Name: "photoURL", Label: "Photo URL", Profile: true, InputType: inputURL, Hint: "An https address of the person's photo.",
			get: func(u *iamv1alpha1.User) string { return profileOf(u).PhotoURL }},
		{Name: "additionalInfo", Label: "Additional information", Profile: true, Kind: multiLine,
			get: func(u *iamv1alpha1.User) string { return profileOf(u).AdditionalInfo }},
	},
}

// choice is one option of a select.
type choice struct{ Value, Label string }

func boolValue(b bool) string {
	if b {
		return checkedValue
	}
	return ""
}

// formValue is what the form says of f: a textarea's line breaks as the
// API keeps them, a checkbox as checkedValue or "".
func formValue(f profileField, form url.Values) string {
	v := form.Get(f.Name)
	switch f.Kind {
	case multiLine:
		return strings.ReplaceAll(v, "\r\n", "\n")
	case checkbox:
		if v != "" {
			return checkedValue
		}
		return ""
	}
	return v
}

// editPatch is the JSON merge patch of what the form of section changed
// on u: only the fields whose value differs, a cleared optional field
// removed (null), guarded by the resourceVersion the form was shown at
// so that a change made meanwhile conflicts instead of being overwritten.
// It is nil when nothing changed.
func editPatch(u *iamv1alpha1.User, section string, form url.Values) ([]byte, error) {
	spec, profile := map[string]any{}, map[string]any{}
	for _, f := range sectionFields[section] {
		if f.settled(u) {
			continue
		}
		was, now := f.get(u), formValue(f, form)
		if was == now {
			continue
		}
		var value any = now
		switch {
		case f.Kind == checkbox:
			value = now == checkedValue
		case now == "" && !f.Required:
			value = nil
		}
		if f.Profile {
			profile[f.Name] = value
		} else {
			spec[f.Name] = value
		}
	}
	if len(profile) > 0 {
		spec["profile"] = profile
	}
	if len(spec) == 0 {
		return nil, nil
	}
	return specPatch(spec, form.Get(fieldResourceVersion))
}

// editValues are the values a section's inputs show: the user's, or,
// after a refused save, what the person typed.
func editValues(u *iamv1alpha1.User, section string, typed url.Values) map[string]string {
	values := map[string]string{}
	for _, f := range sectionFields[section] {
		values[f.Name] = f.get(u)
		if typed != nil {
			values[f.Name] = formValue(f, typed)
		}
	}
	return values
}

// IsCheckbox, IsTextarea and IsSelect tell the page which input f is.
func (f profileField) IsCheckbox() bool { return f.Kind == checkbox }
func (f profileField) IsTextarea() bool { return f.Kind == multiLine }
func (f profileField) IsSelect() bool   { return len(f.Choices) > 0 }
