package selfservice

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

//go:embed page.html
var pageSource string

var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// pageCSS is the only style of the pages. It is inline so the page needs no
// other request, and the Content-Security-Policy allows exactly this text by
// its hash, so nothing injected could style or script the page. Images are
// only the data: URL of the enrolment's QR code.
const pageCSS = `body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2129;margin:0}` +
	`main{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}` +
	`h1{font-size:1.4rem;margin-top:0}label{display:block;margin:1rem 0 .3rem;font-weight:600}` +
	`input{box-sizing:border-box;width:100%;padding:.5rem;font-size:1rem;border:1px solid #aab;border-radius:4px}` +
	`button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;border:0;border-radius:4px;background:#2457c5;color:#fff;cursor:pointer}` +
	`.hint{font-size:.85rem;color:#555}.error{color:#a11}.ok{color:#175c2a}code,pre{font-size:1rem}`

// contentSecurityPolicy lets the page load nothing, run no script, use only
// its own inline style, post its form only to this origin and never be framed.
var contentSecurityPolicy = "default-src 'none'; style-src '" + styleHash(pageCSS) + "'; img-src data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func styleHash(css string) string {
	sum := sha256.Sum256([]byte(css))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// page is what the template shows. Forms carry tokens in hidden fields
// only; a password field never gets a value.
type page struct {
	Title   string
	Message string
	Failed  bool
	Form    *form
	// Image is the QR code of an enrolment, as a data: URL.
	Image template.URL
	// Secret is the enrolment's key, for typing into an app by hand.
	Secret string
	// Codes are recovery codes, shown once.
	Codes []string
	Links []link
}

type form struct {
	Action string
	Hidden []field
	Fields []field
	Hint   string
	Submit string
}

type field struct {
	Name, Label, Type, Autocomplete, Value string
	Required                               bool
	MinLength                              int
}

type link struct{ Href, Text string }

// newPasswordFields are the two password fields of a form that sets one.
func newPasswordFields() []field {
	return []field{
		{Name: fieldPassword, Label: "New password", Type: fieldPassword, Autocomplete: "new-password", Required: true, MinLength: credentials.MinPasswordLength},
		{Name: "confirm", Label: "Repeat the password", Type: fieldPassword, Autocomplete: "new-password", Required: true, MinLength: credentials.MinPasswordLength},
	}
}

// Names and input types of the forms' fields.
const (
	fieldAccount  = "account"
	fieldEmail    = "email"
	fieldPassword = "password"
	fieldCode     = "code"
	inputText     = "text"
	// autocompleteOneTimeCode lets browsers and password managers offer
	// the code from an SMS or an authenticator.
	autocompleteOneTimeCode = "one-time-code"
)

// accountAndEmail are the fields that name a user.
func accountAndEmail() []field {
	return []field{
		{Name: fieldAccount, Label: "Account", Type: inputText, Autocomplete: "organization", Required: true},
		{Name: fieldEmail, Label: "Email", Type: fieldEmail, Autocomplete: "username", Required: true},
	}
}

var passwordHint = fmt.Sprintf("At least %d characters, mixing three of lower case, upper case, digits and symbols.", credentials.MinPasswordLength)

// tokenForm is a form that sets a password with a token from an email.
func tokenForm(action, token string) *form {
	return &form{Action: action, Hidden: []field{{Name: "token", Value: token}}, Fields: newPasswordFields(), Hint: passwordHint, Submit: "Set password"}
}

func (page) CSS() template.CSS { return template.CSS(pageCSS) }

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

// problemPage shows a problem, with the form again when trying again with the
// same link can succeed.
func problemPage(p *problem, token string) page {
	retry := false
	switch p.reason {
	case ReasonPasswordTooWeak, ReasonPasswordMismatch, ReasonInternalError:
		retry = true
	case ReasonBadRequest:
		retry = token != ""
	}
	pg := page{Title: "Invitation not accepted", Message: p.message, Failed: true}
	if retry {
		pg.Form = tokenForm("accept", token)
	}
	return pg
}
