package mail

import (
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"
	"time"
)

// Template file names, shared by the embedded defaults and override folders
// such as a mounted ConfigMap.
const (
	subjectFile  = "subject.txt"
	textBodyFile = "body.txt"
	htmlBodyFile = "body.html"
)

// expiryLayout is unambiguous for readers anywhere: the month is spelled
// out and the zone is always UTC.
const expiryLayout = "Monday, 2 January 2006 at 15:04 UTC"

//go:embed templates
var defaultTemplateFS embed.FS

// Folders of the built-in templates inside defaultTemplateFS.
const (
	invitationTemplates    = "templates"
	passwordResetTemplates = "templates/password-reset"
)

// InvitationData is what invitation templates can use.
type InvitationData struct {
	// FullName is used in the greeting.
	FullName string
	Email    string
	// Account is the customer account (namespace) the person is invited to.
	Account string
	// AcceptURL is the one-time link.
	AcceptURL  string
	ExpiryTime time.Time
}

// Templates renders invitation emails. Besides the InvitationData fields,
// templates can call formatTime, which prints a time in UTC in a readable
// form. Templates are safe for concurrent use.
type Templates struct {
	// kind names the email in errors: "invitation" or "password reset".
	kind    string
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// funcs is shared by all templates, so overrides can use what the defaults
// use.
var funcs = map[string]any{
	"formatTime": func(t time.Time) string { return t.UTC().Format(expiryLayout) },
}

// sampleInvitation is what overrides are executed against when loaded, so
// that a broken template fails at start-up, not at the first invitation.
var sampleInvitation = InvitationData{
	FullName:   "Alice Example",
	Email:      "alice@example.com",
	Account:    "example-account",
	AcceptURL:  "https://tenantry.example.com/invitations/accept?token=sample",
	ExpiryTime: time.Date(2030, time.January, 2, 15, 4, 0, 0, time.UTC),
}

// source is one template's text and the name errors show for it.
type source struct{ name, text string }

// DefaultTemplates returns the built-in templates.
func DefaultTemplates() *Templates {
	return defaultTemplates("invitation", invitationTemplates, sampleInvitation)
}

func defaultTemplates(kind, folder string, sample any) *Templates {
	t, err := parseTemplates(kind, sample, defaultSource(folder, subjectFile), defaultSource(folder, textBodyFile), defaultSource(folder, htmlBodyFile))
	if err != nil {
		// The defaults are compiled in and covered by tests.
		panic(fmt.Sprintf("built-in mail templates are broken: %v", err))
	}
	return t
}

// LoadTemplates returns the defaults with any of dir/subject.txt,
// dir/body.txt and dir/body.html replacing their counterpart, which is the
// shape of a mounted ConfigMap. An empty dir means no overrides.
func LoadTemplates(dir string) (*Templates, error) {
	return loadTemplates(dir, "invitation", invitationTemplates, sampleInvitation)
}

func loadTemplates(dir, kind, folder string, sample any) (*Templates, error) {
	if dir == "" {
		return defaultTemplates(kind, folder, sample), nil
	}
	var sources [3]source
	for i, name := range []string{subjectFile, textBodyFile, htmlBodyFile} {
		path := filepath.Join(dir, name)
		content, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			sources[i] = defaultSource(folder, name)
		case err != nil:
			return nil, fmt.Errorf("read mail template %s: %w", path, err)
		default:
			sources[i] = source{name: path, text: string(content)}
		}
	}
	return parseTemplates(kind, sample, sources[0], sources[1], sources[2])
}

func defaultSource(folder, name string) source {
	content, err := defaultTemplateFS.ReadFile(folder + "/" + name)
	if err != nil {
		panic(fmt.Sprintf("built-in mail template %s is missing: %v", name, err))
	}
	return source{name: "built-in " + name, text: string(content)}
}

// parseTemplates parses the three templates and executes each against
// sample data, so that a broken override fails at start-up rather than at
// the first invitation.
func parseTemplates(kind string, sample any, subject, text, html source) (*Templates, error) {
	t := &Templates{kind: kind}
	var err error
	if t.subject, err = texttemplate.New(subjectFile).Funcs(funcs).Parse(subject.text); err != nil {
		return nil, fmt.Errorf("parse mail template %s: %w", subject.name, err)
	}
	if err := t.subject.Execute(io.Discard, sample); err != nil {
		return nil, fmt.Errorf("mail template %s fails on sample data: %w", subject.name, err)
	}
	if t.text, err = texttemplate.New(textBodyFile).Funcs(funcs).Parse(text.text); err != nil {
		return nil, fmt.Errorf("parse mail template %s: %w", text.name, err)
	}
	if err := t.text.Execute(io.Discard, sample); err != nil {
		return nil, fmt.Errorf("mail template %s fails on sample data: %w", text.name, err)
	}
	if t.html, err = htmltemplate.New(htmlBodyFile).Funcs(funcs).Parse(html.text); err != nil {
		return nil, fmt.Errorf("parse mail template %s: %w", html.name, err)
	}
	if err := t.html.Execute(io.Discard, sample); err != nil {
		return nil, fmt.Errorf("mail template %s fails on sample data: %w", html.name, err)
	}
	return t, nil
}

// RenderInvitation renders the subject and both bodies for d. The subject
// is folded onto one line, since a line break would end the header.
func (t *Templates) RenderInvitation(d InvitationData) (subject, text, html string, err error) {
	return t.render(d)
}

func (t *Templates) render(d any) (subject, text, html string, err error) {
	var b strings.Builder
	if err := t.subject.Execute(&b, d); err != nil {
		return "", "", "", fmt.Errorf("render %s subject: %w", t.kind, err)
	}
	subject = strings.Join(strings.Fields(b.String()), " ")

	b.Reset()
	if err := t.text.Execute(&b, d); err != nil {
		return "", "", "", fmt.Errorf("render %s text body: %w", t.kind, err)
	}
	text = b.String()

	b.Reset()
	if err := t.html.Execute(&b, d); err != nil {
		return "", "", "", fmt.Errorf("render %s HTML body: %w", t.kind, err)
	}
	return subject, text, b.String(), nil
}
