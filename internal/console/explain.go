package console

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// access is what a request of the console tried: a verb on a resource
// (plural, as RBAC names it), and the object's name when there is one.
type access struct {
	Verb     string
	Resource string
	Name     string
}

// The resources the console reads and writes, plural as RBAC names them:
// a refusal names the one it concerns back to the person.
const (
	resourceUsers         = "users"
	resourceTransactions  = "balancetransactions"
	resourceUserChanges   = "userchanges"
	resourceSubscriptions = "subscriptions"
	resourceTeams         = "teams"
)

// The verbs the console asks the API server for, as RBAC names them.
const (
	verbGet    = "get"
	verbList   = "list"
	verbWatch  = "watch"
	verbCreate = "create"
	verbPatch  = "patch"
	verbDelete = "delete"
)

// Problem is an error of the API server in plain words: a sentence for the
// action it concerns, and a sentence per form field it names, keyed by the
// input's name.
type Problem struct {
	Message string
	Fields  map[string]string
}

// Error makes a Problem an error, for handlers that pass it on.
func (p Problem) Error() string { return p.Message }

// authorizerDenial is the shape of the API server's authorization answer,
// whichever authorizer gave it: `... is forbidden: User "<user>" cannot
// <verb> resource "<resource>" ...`. An admission plugin's 403 never has
// it, so it tells "your role does not allow this" from a rule that refused
// this particular request (the last-owner rule, a seat quota).
var authorizerDenial = regexp.MustCompile(`(?:^|\bis )forbidden: User "(?:[^"\\]|\\.)*" cannot \S+ (?:resource|path) "`)

// webhookDenial starts every denial the API server relays from an
// admission webhook; what follows is the webhook's own message.
var webhookDenial = regexp.MustCompile(`^admission webhook "[^"]*" denied the request: `)

// explainError turns an error of the API server into plain words about a.
// Errors that are not the API server's answer are told as they are.
func explainError(err error, a access) Problem {
	var status apierrors.APIStatus
	if err == nil {
		return Problem{}
	}
	if !errors.As(err, &status) {
		return Problem{Message: "The request did not reach the cluster's API server: " + err.Error()}
	}
	s := status.Status()
	message := webhookDenial.ReplaceAllString(s.Message, "")
	switch {
	case s.Reason == metav1.StatusReasonForbidden && authorizerDenial.MatchString(s.Message):
		return Problem{Message: fmt.Sprintf("Your role does not allow this: you may not %s %s.", a.Verb, a.describe())}
	case s.Reason == metav1.StatusReasonInvalid:
		return invalidProblem(s)
	case s.Reason == metav1.StatusReasonAlreadyExists:
		return Problem{Message: fmt.Sprintf("%s already exists: choose another name.", capitalize(a.describe()))}
	case s.Reason == metav1.StatusReasonConflict:
		return Problem{Message: "Someone changed this at the same time. Reload the page to see their change, then try again."}
	case s.Reason == metav1.StatusReasonNotFound:
		return Problem{Message: fmt.Sprintf("%s no longer exists: it may have been deleted.", capitalize(a.describe()))}
	case s.Reason == metav1.StatusReasonUnauthorized:
		return Problem{Message: "Your sign-in has ended. Sign in again to continue."}
	case s.Reason == metav1.StatusReasonForbidden:
		// A rule refused this request: its message says what to change.
		return Problem{Message: sentence(message)}
	default:
		return Problem{Message: "The cluster's API server refused this: " + sentence(message)}
	}
}

// describe names what a request concerned: "users", or `user "alice"`.
func (a access) describe() string {
	if a.Name == "" {
		return a.Resource
	}
	return fmt.Sprintf("%s %q", strings.TrimSuffix(a.Resource, "s"), a.Name)
}

// invalidProblem gives each cause that names a field to that field's input,
// and the rest to the action's sentence.
func invalidProblem(s metav1.Status) Problem {
	p := Problem{Fields: map[string]string{}}
	var general []string
	if s.Details != nil {
		for _, cause := range s.Details.Causes {
			field := formField(cause.Field)
			if field == "" {
				general = append(general, sentence(cause.Message))
				continue
			}
			if p.Fields[field] != "" {
				p.Fields[field] += " "
			}
			p.Fields[field] += sentence(cause.Message)
		}
	}
	switch {
	case len(general) > 0:
		p.Message = strings.Join(general, " ")
	case len(p.Fields) > 0:
		p.Message = "Some fields need another value: see below each one."
	default:
		p.Message = sentence(webhookDenial.ReplaceAllString(s.Message, ""))
	}
	return p
}

// formField is the name of the form input that edits an API field: its
// JSON name, without the spec. and spec.profile. prefixes and anything
// after the first index or dot below them (spec.fullName is fullName,
// spec.profile.bank is bank, spec.services[0].serviceClass is services,
// metadata.name is name). A cause about the whole object (spec, or none)
// has no input.
func formField(path string) string {
	path = strings.TrimPrefix(path, "spec.")
	path = strings.TrimPrefix(path, "profile.")
	path = strings.TrimPrefix(path, "metadata.")
	if path == "spec" || path == "<nil>" {
		return ""
	}
	if i := strings.IndexAny(path, ".["); i >= 0 {
		path = path[:i]
	}
	return path
}

// sentence starts s with a capital letter and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = capitalize(s)
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
