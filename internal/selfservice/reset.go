package selfservice

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

// resetRequest asks for a password reset email.
type resetRequest struct {
	Account string `json:"account"`
	Email   string `json:"email"`
}

// resetConfirmRequest sets a new password with the token of the email.
type resetConfirmRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
	Confirm  string `json:"confirm,omitempty"`
}

// requestReset records a password reset request in the user's Secret when
// the account and email name a user who may log in; the User controller
// sends the email, once per request, with the invitation's delivery rules.
// Whether anything was recorded is never told: the answer is always the
// same, so it cannot be used to find out who has an account.
//
// A request made while an earlier one is still unanswered is the same
// request: someone pressing the button five times gets one email.
func (s *Server) requestReset(ctx context.Context, req resetRequest) (types.NamespacedName, error) {
	target, err := s.findLoginTarget(ctx, req.Account, req.Email)
	if err != nil || target == nil {
		return types.NamespacedName{}, err
	}
	user := target.user
	key := client.ObjectKeyFromObject(user)
	if user.Spec.State.KeepsOut() || !user.Status.EmailVerified {
		return key, nil
	}
	answered := ""
	if user.Status.PasswordReset != nil {
		answered = user.Status.PasswordReset.SelfServiceRequest
	}
	err = s.updateSecret(ctx, target.secret, func(secret *corev1.Secret) error {
		reset := credentials.ReadPasswordReset(secret)
		if reset.Request != "" && reset.Request != answered {
			return nil // still waiting for the controller to answer it
		}
		reset.Request = fmt.Sprintf("%d-%s", s.now().Unix(), rand.String(8))
		credentials.WritePasswordReset(secret, reset)
		return nil
	})
	if errors.Is(err, errGone) {
		err = nil
	}
	return key, err
}

// confirmReset sets a new password with a reset token, uses the token up,
// ends every session and clears any lockout, all in one guarded write.
func (s *Server) confirmReset(ctx context.Context, token, password string) (types.NamespacedName, error) {
	namespace, userName, ok := parseScopedToken(token)
	if !ok {
		return types.NamespacedName{}, errResetTokenInvalid
	}
	key := types.NamespacedName{Namespace: namespace, Name: userName}
	tokenHash := credentials.HashToken(token)
	secretKey := credentials.SecretKey(s.CredentialsNamespace, namespace, userName)
	secret := &corev1.Secret{}
	if err := s.Client.Get(ctx, secretKey, secret); err != nil && !apierrors.IsNotFound(err) {
		return key, fmt.Errorf("get credential Secret %s: %w", secretKey, err)
	}
	if credentials.ReadPasswordReset(secret).TokenHash != tokenHash {
		// The email may have left moments before the cache saw its token.
		if err := s.APIReader.Get(ctx, secretKey, secret); err != nil {
			if apierrors.IsNotFound(err) {
				return key, errResetTokenInvalid
			}
			return key, fmt.Errorf("get credential Secret %s: %w", secretKey, err)
		}
	}
	check := func(secret *corev1.Secret) error {
		if p := checkReset(secret, tokenHash, s.now()); p != nil {
			return p
		}
		user, err := s.getUser(ctx, key)
		if err != nil {
			return err
		}
		if p := checkUser(user, secret); p != nil {
			return resetProblem(p)
		}
		return nil
	}
	if err := check(secret); err != nil {
		return key, resetProblem(err)
	}
	if err := credentials.CheckPasswordStrength(password); err != nil {
		return key, passwordTooWeak(err)
	}
	var hash []byte
	var hashErr error
	if !s.Hashes.do(ctx, func() { hash, hashErr = credentials.HashPassword(password) }) {
		return key, errServerBusy
	}
	if hashErr != nil {
		return key, hashErr
	}
	err := s.updateSecret(ctx, secret, func(secret *corev1.Secret) error {
		if err := check(secret); err != nil {
			return err
		}
		now := s.now()
		secret.Data[credentials.KeyPasswordHash] = hash
		secret.Data[credentials.KeyPasswordSetTime] = []byte(now.UTC().Format(time.RFC3339))
		reset := credentials.ReadPasswordReset(secret)
		reset.UsedTime = now
		credentials.WritePasswordReset(secret, reset)
		credentials.RevokeSessions(secret, endPasswordReset, now)
		credentials.WriteLockout(secret, credentials.Lockout{})
		return nil
	})
	if errors.Is(err, errGone) {
		return key, errResetTokenInvalid
	}
	return key, resetProblem(err)
}

// resetProblem words the invitation's token problems for a reset link.
func resetProblem(err error) error {
	if err == nil {
		return nil
	}
	switch err {
	case errTokenInvalid:
		return errResetTokenInvalid
	case errTokenUsed:
		return errResetTokenUsed
	case errTokenExpired:
		return errResetTokenExpired
	}
	return err
}

// checkReset says whether the reset token in a credential Secret can still
// be used with the token whose hash is tokenHash.
func checkReset(secret *corev1.Secret, tokenHash string, now time.Time) *problem {
	if secret.Labels[iamv1alpha1.UserLabel] == "" {
		return errResetTokenInvalid
	}
	reset := credentials.ReadPasswordReset(secret)
	if reset.TokenHash == "" || subtle.ConstantTimeCompare([]byte(reset.TokenHash), []byte(tokenHash)) != 1 {
		return errResetTokenInvalid
	}
	if !reset.UsedTime.IsZero() {
		return errResetTokenUsed
	}
	// A missing expiry reads as zero and so as expired.
	if !now.Before(reset.Expiry) {
		return errResetTokenExpired
	}
	return nil
}
