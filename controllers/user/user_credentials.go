package user

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// reconcileCredentials finds the user's credential Secret, or prepares a new
// one. A new Secret is not created here: the first step that writes into it
// (usually the invitation's intent) creates it with its content, and
// createCredentials creates it empty at the end of the pass when none did,
// so a new user costs one write for its Secret, not two. It never reads or
// changes what is inside: the invitation and the self-service API own its
// data.
//
// The Secret lives in the credentials namespace, the operator's own, out of
// reach of anyone who may create Pods in the account. A user that had a
// Secret already (it accepted an invitation, or its status names a Secret
// of another name: the account-namespace Secret of an earlier version) and
// has none there now is not given a new, empty one: that would wipe the
// person's password and second factor. It stalls and says how to move the
// old Secret instead.
func (r *Reconciler) reconcileCredentials(ctx context.Context, s *userScope) (ctrl.Result, error) {
	user := s.user
	key := credentials.SecretKey(r.CredentialsNamespace, user.Namespace, user.Name)
	secret := &corev1.Secret{}
	err := r.Get(ctx, key, secret)
	switch {
	case apierrors.IsNotFound(err) && hadCredentials(user, key.Name):
		s.stalled = &reconcile.Verdict{Reason: iamv1alpha1.ReasonCredentialsFailed, Message: fmt.Sprintf(
			"credential secret %s is missing; if the operator was upgraded from a version that kept it in the account namespace, run `kubectl tenantry migrate-credentials`", key)}
		return ctrl.Result{}, nil
	case apierrors.IsNotFound(err):
		s.secret, s.secretUnsaved = credentials.NewSecret(key.Namespace, user.Namespace, user.Name, user.UID), true
		return ctrl.Result{}, nil
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("get credential secret of user %s: %w", user.Name, err)
	case !credentials.IsSecretOf(secret, user):
		// Someone else's Secret has the name, or a former user's of the
		// same name; taking it over could leak or destroy their data, so a
		// person has to sort it out.
		s.stalled = &reconcile.Verdict{Reason: iamv1alpha1.ReasonCredentialsFailed, Message: fmt.Sprintf(
			"secret %s exists and is not this user's (its labels or %s name another); delete or rename it", key, credentials.OwnerUIDAnnotation)}
		return ctrl.Result{}, nil
	}
	s.secret = secret
	user.Status.CredentialsSecretName = secret.Name
	return ctrl.Result{}, nil
}

// hadCredentials reports whether the user had a credential Secret before,
// so that a missing one is data lost or not yet moved, not a new user's.
func hadCredentials(user *iamv1alpha1.User, name string) bool {
	return user.Status.EmailVerified || (user.Status.CredentialsSecretName != "" && user.Status.CredentialsSecretName != name)
}

// writeSecret stores a changed credential Secret: it creates the Secret when
// this pass prepared it, and otherwise updates it guarded by the
// resourceVersion read. Either way a pass that worked from a stale view
// writes nothing: an update meets a conflict, and a creation of a Secret
// that already exists is reported as one, so the pass runs again on fresh
// data (see requeueOnConflict) and sends nothing meanwhile.
func (r *Reconciler) writeSecret(ctx context.Context, s *userScope, secret *corev1.Secret) error {
	r.ownSecretWrites.writing(secret)
	if !s.secretUnsaved {
		if err := r.Update(ctx, secret); err != nil {
			r.ownSecretWrites.failed(secret, apierrors.IsConflict(err))
			return err
		}
		r.ownSecretWrites.wrote(secret)
		s.secret = secret
		return nil
	}
	if err := r.Create(ctx, secret); err != nil {
		r.ownSecretWrites.failed(secret, apierrors.IsAlreadyExists(err))
		if apierrors.IsAlreadyExists(err) {
			return apierrors.NewConflict(corev1.Resource("secrets"), secret.Name, err)
		}
		return err
	}
	r.ownSecretWrites.wrote(secret)
	s.secret, s.secretUnsaved = secret, false
	s.user.Status.CredentialsSecretName = secret.Name
	return nil
}

// createCredentials creates the credential Secret when no step of the pass
// needed to write into it (a disabled user is sent no invitation), so
// every user has one from its first pass.
func (r *Reconciler) createCredentials(ctx context.Context, s *userScope) (ctrl.Result, error) {
	if !s.secretUnsaved {
		return ctrl.Result{}, nil
	}
	if err := r.writeSecret(ctx, s, s.secret); err != nil {
		return ctrl.Result{}, fmt.Errorf("create credential secret of user %s: %w", s.user.Name, err)
	}
	return ctrl.Result{}, nil
}

// reconcileAcceptance notices that the person accepted an invitation: the
// self-service API stored a password hash in the credential Secret. Email
// verification is a fact about the past, so it stays true once seen. The
// event is recorded by the status write that first says so.
func (r *Reconciler) reconcileAcceptance(_ context.Context, s *userScope) (ctrl.Result, error) {
	user := s.user
	if s.secret != nil && credentials.HasPassword(s.secret) {
		s.announce(invitationAccepted, corev1.EventTypeNormal, "InvitationAccepted", "AcceptInvitation",
			user.Spec.Email+" accepted the invitation and set a password")
		user.Status.EmailVerified = true
		accepted := credentials.ReadInvitation(s.secret).AcceptedTime
		if inv := user.Status.Invitation; inv != nil && inv.AcceptedTime == nil && !accepted.IsZero() {
			inv.AcceptedTime = &metav1.Time{Time: accepted}
		}
	}
	if user.Status.EmailVerified {
		conditions.MarkTrue(user, iamv1alpha1.EmailVerifiedCondition, iamv1alpha1.ReasonInvitationAccepted,
			"the person accepted the invitation and set a password")
	} else {
		conditions.MarkFalse(user, iamv1alpha1.EmailVerifiedCondition, iamv1alpha1.ReasonAwaitingAcceptance,
			"waiting for the person to accept the invitation")
	}
	return ctrl.Result{}, nil
}

// ownerOfCredentials maps a credential Secret to its User by the Secret's
// labels: an owner reference cannot point across namespaces.
func (r *Reconciler) ownerOfCredentials(_ context.Context, obj client.Object) []ctrl.Request {
	owner, ok := credentials.SecretOwner(obj)
	if !ok || obj.GetNamespace() != r.CredentialsNamespace {
		return nil
	}
	return []ctrl.Request{{NamespacedName: owner}}
}
