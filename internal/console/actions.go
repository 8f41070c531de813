package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// The actions of a profile, as the address of each form names them
// (/console/users/<name>/<action>) and as the page keys their problems.
const (
	actionEdit           = "edit"
	actionServices       = "services"
	actionResend         = "resend"
	actionDisable        = "disable"
	actionEnable         = "enable"
	actionUnlock         = "unlock"
	actionResetPassword  = "reset-password"
	actionResetTwoFactor = "reset-2fa"
	actionRole           = "role"
	actionRefill         = "refill"
	actionCancel         = "cancel"
	actionDelete         = "delete"
	actionRestore        = "restore"
	actionPurge          = "purge"
	actionLogInAs        = "log-in-as"
)

// userPatch is an action that is one merge patch of the user, made as the
// kubectl plugin makes it: an annotation with a new timestamp, which the
// operator acts on once, or fields of the spec.
type userPatch struct {
	action string
	notice string
	// patch is the patch for the form at now; a Problem when the form
	// cannot make one.
	patch func(form url.Values, now time.Time) ([]byte, error)
}

// annotationPatch asks the operator for the action of annotation, as
// `kubectl tenantry resend|unlock|reset-password|reset-2fa` does: a new
// timestamp is a new request.
func annotationPatch(annotation string) func(url.Values, time.Time) ([]byte, error) {
	return func(_ url.Values, now time.Time) ([]byte, error) {
		return json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{
			annotation: now.UTC().Format(time.RFC3339Nano),
		}}})
	}
}

// statePatch sets spec.state, as `kubectl tenantry disable|enable|restore`
// and `delete --soft` do.
func statePatch(state iamv1alpha1.UserState) func(url.Values, time.Time) ([]byte, error) {
	return func(url.Values, time.Time) ([]byte, error) {
		return specPatch(map[string]any{"state": state}, "")
	}
}

// rolePatch sets spec.role to the form's role, as `kubectl tenantry
// set-role` does; the API server says what is wrong with it.
func rolePatch(form url.Values, _ time.Time) ([]byte, error) {
	return specPatch(map[string]any{"role": form.Get(fieldRole)}, "")
}

// specPatch is the merge patch of fields of the user's spec. With the
// resourceVersion a form was shown at, a change made meanwhile conflicts
// instead of being overwritten.
func specPatch(spec map[string]any, resourceVersion string) ([]byte, error) {
	patch := map[string]any{"spec": spec}
	if resourceVersion != "" {
		patch["metadata"] = map[string]any{"resourceVersion": resourceVersion}
	}
	return json.Marshal(patch)
}

var userPatches = []userPatch{
	{action: actionResend, notice: noticeResent, patch: annotationPatch(iamv1alpha1.ResendInvitationAnnotation)},
	{action: actionUnlock, notice: noticeUnlocked, patch: annotationPatch(iamv1alpha1.UnlockAnnotation)},
	{action: actionResetPassword, notice: noticePasswordReset, patch: annotationPatch(iamv1alpha1.ResetPasswordAnnotation)},
	{action: actionResetTwoFactor, notice: noticeTwoFactor, patch: annotationPatch(iamv1alpha1.ResetTwoFactorAnnotation)},
	{action: actionDisable, notice: noticeDisabled, patch: statePatch(iamv1alpha1.UserStateDisabled)},
	{action: actionEnable, notice: noticeEnabled, patch: statePatch(iamv1alpha1.UserStateActive)},
	{action: actionRestore, notice: noticeRestored, patch: statePatch(iamv1alpha1.UserStateActive)},
	{action: actionRole, notice: noticeRole, patch: rolePatch},
}

// actionPath is the address of an action's form for a user.
func actionPath(action string) string {
	return "POST " + pathUsers + "/{name}/" + action
}

// servePatch does a userPatch as the person.
func (c *Console) servePatch(a userPatch) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		name := r.PathValue("name")
		patch, err := a.patch(r.PostForm, c.clock.Now())
		if err != nil {
			c.refused(w, r, v, name, a.action, err)
			return
		}
		c.patchUser(w, r, v, name, a.action, patch, a.notice)
	}
}

// patchUser merges patch into the named user as the person, then
// redirects to the profile with notice, or shows it with the refusal.
func (c *Console) patchUser(w http.ResponseWriter, r *http.Request, v *visit, name, action string, patch []byte, notice string) {
	u := &iamv1alpha1.User{}
	u.Namespace, u.Name = v.person.Namespace, name
	if err := v.client.Patch(r.Context(), u, client.RawPatch(types.MergePatchType, patch)); err != nil {
		c.refused(w, r, v, name, action, err)
		return
	}
	redirectWithNotice(w, r, userHref(name), notice)
}

// refused shows the profile again with the API server's refusal of
// action in words, next to the action's form or the fields it names. A
// user that is not there has no profile to show.
func (c *Console) refused(w http.ResponseWriter, r *http.Request, v *visit, name, action string, err error) {
	if apierrors.IsNotFound(err) && resourceOf(action) == resourceUsers {
		p := explainError(err, access{Verb: verbPatch, Resource: resourceUsers, Name: name})
		c.renderError(w, r, v, http.StatusNotFound, "User "+name, p.Message)
		return
	}
	state := profileState{status: http.StatusBadRequest, action: action, typed: r.PostForm}
	switch p, ok := err.(Problem); {
	case ok:
		state.problem = p
		state.status = http.StatusUnprocessableEntity
	default:
		object := name
		switch action {
		case actionCancel:
			object = r.PostForm.Get("transaction")
		case actionRefill:
			object = ""
		}
		state.problem = explainError(err, access{Verb: verbOf(action), Resource: resourceOf(action), Name: object})
		state.status = httpStatusOf(err)
	}
	if action == actionEdit {
		state.section = r.PostForm.Get("section")
	}
	c.showProfile(w, r, v, name, state)
}

// verbOf and resourceOf are what an action asks of the API server, for
// "your role does not allow this" to name it.
func verbOf(action string) string {
	switch action {
	case actionRefill:
		return verbCreate
	case actionCancel, actionPurge:
		return verbDelete
	}
	return verbPatch
}

func resourceOf(action string) string {
	if action == actionRefill || action == actionCancel {
		return resourceTransactions
	}
	return resourceUsers
}
