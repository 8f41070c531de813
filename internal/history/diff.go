package history

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// maxValueLength is how much of a value a record keeps; the rest is cut
// with an ellipsis, so one long address cannot make a record too big.
const maxValueLength = 256

// maxChanges bounds the fields one record lists.
const maxChanges = 64

// actionAnnotations are the administrator actions set as annotations on a
// User, with the action each records. Other annotations and labels are
// not part of the account's record.
var actionAnnotations = map[string]iamv1alpha1.UserChangeAction{
	iamv1alpha1.ResendInvitationAnnotation: iamv1alpha1.ChangeInvitationResent,
	iamv1alpha1.UnlockAnnotation:           iamv1alpha1.ChangeUnlocked,
	iamv1alpha1.ResetPasswordAnnotation:    iamv1alpha1.ChangePasswordResetRequested,
	iamv1alpha1.ResetTwoFactorAnnotation:   iamv1alpha1.ChangeTwoFactorReset,
}

// Diff lists what the write from old to next changed in the user's spec
// and action annotations, sorted by path; old is nil for a creation, which
// lists every field set.
func Diff(old, next *iamv1alpha1.User) []iamv1alpha1.FieldChange {
	before, after := map[string]string{}, fields(next)
	if old != nil {
		before = fields(old)
	}
	paths := map[string]bool{}
	for p := range before {
		paths[p] = true
	}
	for p := range after {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	var changes []iamv1alpha1.FieldChange
	for _, p := range sorted {
		if before[p] == after[p] {
			continue
		}
		changes = append(changes, iamv1alpha1.FieldChange{Path: p, Old: before[p], New: after[p]})
	}
	if len(changes) > maxChanges {
		more := len(changes) - (maxChanges - 1)
		changes = append(changes[:maxChanges-1], iamv1alpha1.FieldChange{Path: "…", New: fmt.Sprintf("%d more fields", more)})
	}
	return changes
}

// fields flattens what the history records of a user into path → value.
func fields(u *iamv1alpha1.User) map[string]string {
	out := map[string]string{}
	raw, err := json.Marshal(u.Spec)
	if err != nil {
		return out // a spec that cannot be encoded was never stored
	}
	var spec any
	if err := json.Unmarshal(raw, &spec); err != nil {
		return out
	}
	flatten(out, "spec", spec)
	for key := range actionAnnotations {
		if v := u.Annotations[key]; v != "" {
			out[annotationPath(key)] = shorten(v)
		}
	}
	return out
}

func annotationPath(key string) string { return "metadata.annotations[" + key + "]" }

// flatten walks a decoded JSON value. Lists of objects are keyed by their
// name (services by their assignment name), so that removing the first of
// three services reads as one removal, not as three changes.
func flatten(out map[string]string, path string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			flatten(out, path+"."+k, child)
		}
	case []any:
		if !keyed(v) {
			out[path] = shorten(encode(v))
			return
		}
		for _, item := range v {
			m := item.(map[string]any)
			flatten(out, path+"["+itemKey(m)+"]", m)
		}
	default:
		out[path] = shorten(encode(v))
	}
}

// keyed says whether a list's items are objects that carry a name.
func keyed(items []any) bool {
	for _, item := range items {
		m, ok := item.(map[string]any)
		if !ok || itemKey(m) == "" {
			return false
		}
	}
	return len(items) > 0
}

// itemKey is a list item's name: its name, else its service class (a
// service assignment's name defaults to its class).
func itemKey(m map[string]any) string {
	for _, k := range []string{"name", "serviceClass"} {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// encode shows a value as JSON does, strings without their quotes.
func encode(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func shorten(s string) string {
	if utf8.RuneCountInString(s) <= maxValueLength {
		return s
	}
	runes := []rune(s)
	return string(runes[:maxValueLength]) + "…"
}

// ActionOf names a write by its weightiest change: a creation, then the
// state (a soft delete or restore, disabling or enabling), the role, an
// administrator action, the services, and otherwise an update.
func ActionOf(created bool, changes []iamv1alpha1.FieldChange) iamv1alpha1.UserChangeAction {
	if created {
		return iamv1alpha1.ChangeCreated
	}
	byPath := map[string]iamv1alpha1.FieldChange{}
	for _, c := range changes {
		byPath[c.Path] = c
	}
	if c, ok := byPath["spec.state"]; ok {
		switch {
		case c.New == string(iamv1alpha1.UserStateDeleted):
			return iamv1alpha1.ChangeSoftDeleted
		case c.Old == string(iamv1alpha1.UserStateDeleted):
			return iamv1alpha1.ChangeRestored
		case c.New == string(iamv1alpha1.UserStateDisabled):
			return iamv1alpha1.ChangeDisabled
		default:
			return iamv1alpha1.ChangeEnabled
		}
	}
	if _, ok := byPath["spec.role"]; ok {
		return iamv1alpha1.ChangeRoleChanged
	}
	for _, key := range []string{iamv1alpha1.UnlockAnnotation, iamv1alpha1.ResetPasswordAnnotation,
		iamv1alpha1.ResetTwoFactorAnnotation, iamv1alpha1.ResendInvitationAnnotation} {
		if c, ok := byPath[annotationPath(key)]; ok && c.New != "" {
			return actionAnnotations[key]
		}
	}
	for _, c := range changes {
		if strings.HasPrefix(c.Path, "spec.services") {
			return iamv1alpha1.ChangeServicesChanged
		}
	}
	return iamv1alpha1.ChangeUpdated
}

// Summary says a change in one line: who was created, or the first few
// fields changed.
func Summary(action iamv1alpha1.UserChangeAction, u *iamv1alpha1.User, changes []iamv1alpha1.FieldChange) string {
	if action == iamv1alpha1.ChangeCreated {
		return fmt.Sprintf("%s <%s>, role %s", u.Spec.FullName, u.Spec.Email, orNone(u.Spec.Role))
	}
	const shown = 3
	parts := make([]string, 0, shown+1)
	for i, c := range changes {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more", len(changes)-shown))
			break
		}
		parts = append(parts, describe(c))
	}
	return shortenTo(strings.Join(parts, "; "), 1024)
}

func describe(c iamv1alpha1.FieldChange) string {
	switch {
	case c.Old == "":
		return fmt.Sprintf("%s: %s", c.Path, c.New)
	case c.New == "":
		return fmt.Sprintf("%s: %s → (none)", c.Path, c.Old)
	}
	return fmt.Sprintf("%s: %s → %s", c.Path, c.Old, c.New)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func shortenTo(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
