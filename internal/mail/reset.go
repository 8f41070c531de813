package mail

import "time"

// PasswordResetData is what password reset templates can use.
type PasswordResetData struct {
	// FullName is used in the greeting.
	FullName string
	Email    string
	// Account is the customer account (namespace) of the user.
	Account string
	// ResetURL is the one-time link.
	ResetURL   string
	ExpiryTime time.Time
}

var samplePasswordReset = PasswordResetData{
	FullName:   "Alice Example",
	Email:      "alice@example.com",
	Account:    "example-account",
	ResetURL:   "https://tenantry.example.com/password-resets/confirm?token=sample",
	ExpiryTime: time.Date(2030, time.January, 2, 15, 4, 0, 0, time.UTC),
}

// DefaultPasswordResetTemplates returns the built-in password reset email.
func DefaultPasswordResetTemplates() *Templates {
	return defaultTemplates("password reset", passwordResetTemplates, samplePasswordReset)
}

// LoadPasswordResetTemplates returns the built-in password reset email with
// any of dir/subject.txt, dir/body.txt and dir/body.html replacing their
// counterpart, like LoadTemplates does for the invitation.
func LoadPasswordResetTemplates(dir string) (*Templates, error) {
	return loadTemplates(dir, "password reset", passwordResetTemplates, samplePasswordReset)
}

// RenderPasswordReset renders the subject and both bodies for d.
func (t *Templates) RenderPasswordReset(d PasswordResetData) (subject, text, html string, err error) {
	return t.render(d)
}
