package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

// reconcileCredentials finds the user's credential Secret, or prepares a new
// one. A new Secret is not created here: the first step that writes into it
// (usually the invitation's intent) creates it with its content, and
// createCredentials creates it empty at the end of the pass when none did,
// so a new user costs one write for its Secret, not two. It never reads or
// changes what is inside: the invitation and the self-service API own its
// data.
func (r *UserReconciler) reconcileCredentials(ctx context.Context, s *userScope) (ctrl.Result, error) {
	user := s.user
	key := client.ObjectKey{Namespace: user.Namespace, Name: credentials.SecretName(user.Name)}
	secret := &corev1.Secret{}
	err := r.Get(ctx, key, secret)
	switch {
	case apierrors.IsNotFound(err):
		secret = newCredentialSecret(user)
		if err := controllerutil.SetControllerReference(user, secret, r.Scheme()); err != nil {
			return ctrl.Result{}, fmt.Errorf("own credential secret of user %s: %w", user.Name, err)
		}
		s.secret, s.secretUnsaved = secret, true
		return ctrl.Result{}, nil
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("get credential secret of user %s: %w", user.Name, err)
	case !metav1.IsControlledBy(secret, user):
		// Someone else's Secret has the name; taking it over could leak or
		// destroy their data, so a person has to sort it out.
		s.stalled = &verdict{iamv1alpha1.ReasonCredentialsFailed, fmt.Sprintf(
			"secret %s exists and is not owned by this user; delete or rename it", key.Name)}
		return ctrl.Result{}, nil
	}
	s.secret = secret
	user.Status.CredentialsSecretName = secret.Name
	return ctrl.Result{}, nil
}

// writeSecret stores a changed credential Secret: it creates the Secret when
// this pass prepared it, and otherwise updates it guarded by the
// resourceVersion read. Either way a pass that worked from a stale view
// writes nothing: an update meets a conflict, and a creation of a Secret
// that already exists is reported as one, so the pass runs again on fresh
// data (see requeueOnConflict) and sends nothing meanwhile.
func (r *UserReconciler) writeSecret(ctx context.Context, s *userScope, secret *corev1.Secret) error {
	if !s.secretUnsaved {
		if err := r.Update(ctx, secret); err != nil {
			return err
		}
		s.secret = secret
		return nil
	}
	if err := r.Create(ctx, secret); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return apierrors.NewConflict(corev1.Resource("secrets"), secret.Name, err)
		}
		return err
	}
	s.secret, s.secretUnsaved = secret, false
	s.user.Status.CredentialsSecretName = secret.Name
	return nil
}

// createCredentials creates the credential Secret when no step of the pass
// needed to write into it (a disabled user is sent no invitation), so
// every user has one from its first pass.
func (r *UserReconciler) createCredentials(ctx context.Context, s *userScope) (ctrl.Result, error) {
	if !s.secretUnsaved {
		return ctrl.Result{}, nil
	}
	if err := r.writeSecret(ctx, s, s.secret); err != nil {
		return ctrl.Result{}, fmt.Errorf("create credential secret of user %s: %w", s.user.Name, err)
	}
	return ctrl.Result{}, nil
}

func newCredentialSecret(user *iamv1alpha1.User) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:      credentials.SecretName(user.Name),
			Namespace: user.Namespace,
			Labels: map[string]string{
				iamv1alpha1.UserLabel:      user.Name,
				iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy,
			},
		},
		Type: corev1.SecretTypeOpaque,
	}
}

// reconcileAcceptance notices that the person accepted an invitation: the
// self-service API stored a password hash in the credential Secret. Email
// verification is a fact about the past, so it stays true once seen.
func (r *UserReconciler) reconcileAcceptance(_ context.Context, s *userScope) (ctrl.Result, error) {
	user := s.user
	if s.secret != nil && credentials.HasPassword(s.secret) {
		if !user.Status.EmailVerified {
			r.event(user, corev1.EventTypeNormal, "InvitationAccepted", "AcceptInvitation",
				user.Spec.Email+" accepted the invitation and set a password")
		}
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
