package selfservice

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"

	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/webui"
)

//go:embed page.html
var pageSource string

// pageTemplate is the one layout of the sign-in pages. It links the design
// system's stylesheets (internal/webui) and holds no style or script of its
// own, so that the Content-Security-Policy allows only files this server
// serves. Every value in it is text: html/template escapes it.
var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"stylesheets": webui.StylesheetURLs,
	"asset":       webui.URL,
}).Parse(pageSource))

// page is what the template shows. Forms carry tokens in hidden fields
// only; a password field never gets a value.
type page struct {
	Title string
	// Lead is a sentence under the title that says what the page is for.
	Lead string
	// Message is the outcome of what the person did: an error when Failed,
	// else a success.
	Message string
	Failed  bool
	// Info is information beside the outcome (the console being off).
	Info string
	// Facts name what the page is about: the account and the email.
	Facts []fact
	Form  *form
	// Image is the QR code of an enrolment, as a data: URL.
	Image template.URL
	// Secret is the enrolment's key, for typing into an app by hand.
	Secret string
	// Codes are recovery codes, shown once.
	Codes []string
	// Actions are the ways forward, as buttons; the first is the primary.
	Actions []link
	// Links are other ways forward.
	Links []link
	// LogOut is the log out form of a signed-in page.
	LogOut *form
	// SignedIn is who is signed in, for the top bar.
	SignedIn string
}

type form struct {
	Action string
	Hidden []field
	Fields []field
	Hint   string
	Submit string
	// Secondary makes the submit button a secondary one.
	Secondary bool
}

type field struct {
	Name, Label, Type, Autocomplete, Value string
	Required                               bool
	MinLength                              int
	// Hint helps with the field; Error says what is wrong with it.
	Hint, Error string
}

// ID is the field's element id, the prefix of its hint's and error's ids.
func (f field) ID() string { return "field-" + f.Name }

type link struct{ Href, Text string }

type fact struct{ Name, Value string }

// The words the pages name a user's account and email by, in a form's
// labels and in the facts a page shows alike.
const (
	labelAccount = "Account"
	labelEmail   = "Email"
)

// textNewResetLink offers another password reset link where one cannot
// be used.
const textNewResetLink = "Ask for a new link"

// userFacts name a user by their account and email.
func userFacts(account, email string) []fact {
	return []fact{{Name: labelAccount, Value: account}, {Name: labelEmail, Value: email}}
}

// logInLink leads to the login page, named by its title and filled in
// with the account and the email where they are known.
func logInLink(account, email string) link {
	return link{Href: pageURL(pathLogIn, account, email), Text: titleLogIn}
}

// newResetLink leads to the page that sends a password reset link,
// filled in likewise.
func newResetLink(account, email string) link {
	return link{Href: pageURL(pathResets, account, email), Text: textNewResetLink}
}

// newPasswordFields are the two password fields of a form that sets one.
func newPasswordFields() []field {
	return []field{
		{Name: fieldPassword, Label: "New password", Type: fieldPassword, Autocomplete: "new-password", Required: true,
			MinLength: credentials.MinPasswordLength, Hint: passwordHint},
		{Name: fieldConfirm, Label: "Repeat the password", Type: fieldPassword, Autocomplete: "new-password", Required: true,
			MinLength: credentials.MinPasswordLength},
	}
}

// Names and input types of the forms' fields.
const (
	fieldAccount  = "account"
	fieldEmail    = "email"
	fieldPassword = "password"
	fieldConfirm  = "confirm"
	fieldCode     = "code"
	fieldNext     = "next"
	inputText     = "text"
	// autocompleteOneTimeCode lets browsers and password managers offer
	// the code from an SMS or an authenticator.
	autocompleteOneTimeCode = "one-time-code"
)

// accountAndEmail are the fields that name a user, filled with what the
// person typed or a link gave.
func accountAndEmail(account, email string) []field {
	return []field{
		{Name: fieldAccount, Label: labelAccount, Type: inputText, Autocomplete: "organization", Required: true, Value: account},
		{Name: fieldEmail, Label: labelEmail, Type: fieldEmail, Autocomplete: "username", Required: true, Value: email},
	}
}

var passwordHint = fmt.Sprintf("At least %d characters, mixing three of lower case, upper case, digits and symbols.", credentials.MinPasswordLength)

// tokenForm is a form that sets a password with a token from an email; the
// token is what protects it from other sites.
func tokenForm(action, token string) *form {
	return &form{Action: action, Hidden: []field{{Name: "token", Value: token}}, Fields: newPasswordFields(), Submit: "Set password"}
}

// Addresses of the pages, absolute so that every link works from every page.
const (
	pathLogIn         = "/v1/sessions"
	pathCurrent       = "/v1/sessions/current"
	pathAccept        = "/v1/invitations/accept"
	pathResets        = "/v1/password-resets"
	pathResetConfirm  = "/v1/password-resets/confirm"
	pathEnroll        = "/v1/totp/enroll"
	pathEnrollConfirm = "/v1/totp/confirm"
	pathConsole       = "/console/"
)

// writePage renders a page into memory first, so a template failure still
// gets a clean 500 instead of half a page.
func writePage(w http.ResponseWriter, status int, p page) error {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// fieldOfProblem is the form field a problem is about, "" when it is about
// the whole form: the error is shown next to that field.
func fieldOfProblem(reason string) string {
	switch reason {
	case ReasonPasswordTooWeak:
		return fieldPassword
	case ReasonPasswordMismatch:
		return fieldConfirm
	case ReasonTwoFactorRequired, ReasonCodeInvalid:
		return fieldCode
	}
	return ""
}

// showProblem puts a problem on a page: next to its field when the page's
// form has it, else at the top.
func (pg *page) showProblem(p *problem) {
	pg.Failed = true
	if name := fieldOfProblem(p.reason); name != "" && pg.Form != nil {
		for i := range pg.Form.Fields {
			if pg.Form.Fields[i].Name == name {
				pg.Form.Fields[i].Error = p.message
				pg.Message = "Check the field marked below."
				return
			}
		}
	}
	pg.Message = p.message
}
