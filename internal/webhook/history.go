package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/history"
)

// The history of a user is recorded at admission, where the API server
// says who asked (see internal/history). A creation or change is added to
// the User's pending changes by the mutating webhook, inside the very write
// it describes, after every other default: what is recorded is what will be
// stored, and a write refused later takes its record with it. A deletion
// cannot carry anything, so the validating webhook records it in the
// user's status first; the operator files it once the deletion shows.

// stampChange records the create or update being admitted on user.
func (w *UserWebhook) stampChange(ctx context.Context, user *iamv1alpha1.User) error {
	req, err := admission.RequestFromContext(ctx)
	if err != nil {
		return nil // not an admission request: nothing to record
	}
	var old *iamv1alpha1.User
	if req.Operation == admissionv1.Update {
		old = &iamv1alpha1.User{}
		if err := json.Unmarshal(req.OldObject.Raw, old); err != nil {
			return fmt.Errorf("decode the user being changed: %w", err)
		}
	}
	history.Stamp(old, user, history.RequesterOf(req.UserInfo), w.Clock.Now())
	return nil
}

// recordDeletion writes the admitted deletion of user, with its requester,
// to the user's status, guarded by the resourceVersion it was read at. A
// user already being deleted was recorded by the first request; a dry run
// records nothing, and neither does the deletion of a whole account, whose
// history goes with it.
func (w *UserWebhook) recordDeletion(ctx context.Context, user *iamv1alpha1.User) error {
	req, err := admission.RequestFromContext(ctx)
	if err != nil || dryRun(ctx) || !user.DeletionTimestamp.IsZero() {
		return nil
	}
	if leaving, err := accountLeaving(ctx, w.Reader, user.Namespace); err != nil || leaving {
		return err
	}
	request := &iamv1alpha1.DeleteRequest{Requester: history.RequesterOf(req.UserInfo), AdmittedTime: metav1.NewMicroTime(w.Clock.Now())}
	for range deletionRecordAttempts {
		live := &iamv1alpha1.User{}
		if err := w.Reader.Get(ctx, client.ObjectKeyFromObject(user), live); err != nil {
			return client.IgnoreNotFound(err)
		}
		if recorded(live, request) {
			return nil
		}
		patch := client.MergeFromWithOptions(live.DeepCopy(), client.MergeFromWithOptimisticLock{})
		if live.Status.History == nil {
			live.Status.History = &iamv1alpha1.HistoryStatus{}
		}
		live.Status.History.DeleteRequest = request
		err := w.Writer.Status().Patch(ctx, live, patch)
		if !apierrors.IsConflict(err) {
			if err != nil {
				return fmt.Errorf("record the deletion of user %s: %w", user.Name, err)
			}
			return nil
		}
	}
	return apierrors.NewConflict(iamv1alpha1.GroupVersion.WithResource("users").GroupResource(), user.Name,
		fmt.Errorf("the status of user %s kept changing while its deletion was being recorded; try again", user.Name))
}

// deletionRecordAttempts bounds the retries of recordDeletion against the
// operator's own status writes.
const deletionRecordAttempts = 5

// deletionRecordReuse is how recent a recorded deletion by the same
// requester must be to stand for this one.
const deletionRecordReuse = time.Minute

// recorded says whether the user already carries this deletion. The API
// server asks admission again each time it retries storing a deletion, and
// it retries whenever the user changed since it read it, which the record
// itself just did: writing it again would change the user again, and the
// deletion would never be stored. So a recent record by the same requester
// stands.
func recorded(user *iamv1alpha1.User, request *iamv1alpha1.DeleteRequest) bool {
	h := user.Status.History
	if h == nil || h.DeleteRequest == nil {
		return false
	}
	prev := h.DeleteRequest
	age := request.AdmittedTime.Sub(prev.AdmittedTime.Time)
	return prev.Requester.Username == request.Requester.Username && age >= 0 && age < deletionRecordReuse
}
