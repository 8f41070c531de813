package selfservice

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

// maxSessions bounds the sessions kept per user; a new login ends the one
// closest to its end beyond that.
const maxSessions = 10

// loginRequest is what a person sends to log in.
type loginRequest struct {
	Account      string `json:"account"`
	Email        string `json:"email"`
	Password     string `json:"password"`
	Code         string `json:"code,omitempty"`
	RecoveryCode string `json:"recoveryCode,omitempty"`
}

// loginTarget is the user a login names, with its credential Secret.
type loginTarget struct {
	user   *iamv1alpha1.User
	secret *corev1.Secret
}

// loginResult is a successful login: a new session.
type loginResult struct {
	target  types.NamespacedName
	token   string
	expiry  time.Time
	enroll  bool
	usedRec bool
	// email and twoFactor describe the user for the page after a login.
	email     string
	twoFactor bool
	// lockedNow says that this attempt locked the user.
	lockedNow bool
}

var (
	dummyHashOnce sync.Once
	dummyHash     []byte
)

// dummyPasswordHash is a bcrypt hash of a random password, of the same cost
// as real ones. A login for an account or email that does not exist is
// checked against it, so that it takes as long as a wrong password.
func dummyPasswordHash() []byte {
	dummyHashOnce.Do(func() {
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		password := fmt.Sprintf("Aa1-%x", b)
		hash, err := credentials.HashPassword(password)
		if err != nil {
			panic(fmt.Sprintf("hash the dummy password: %v", err))
		}
		dummyHash = hash
	})
	return dummyHash
}

// authenticate checks a login and, when it succeeds, starts a session. The
// password is checked, through the hash gate, whether or not the user
// exists; every failure that could tell whether the account or the email
// exists is errLoginFailed.
func (s *Server) authenticate(ctx context.Context, req loginRequest) (loginResult, error) {
	target, err := s.findLoginTarget(ctx, req.Account, req.Email)
	if err != nil {
		return loginResult{}, err
	}
	hash := dummyPasswordHash()
	if target != nil {
		hash = target.secret.Data[credentials.KeyPasswordHash]
	}
	var passwordOK bool
	if !s.Hashes.do(ctx, func() { passwordOK = credentials.CheckPassword(hash, req.Password) }) {
		return loginResult{}, errServerBusy
	}
	if target == nil {
		return loginResult{}, errLoginFailed
	}
	result := loginResult{target: client.ObjectKeyFromObject(target.user)}
	err = s.updateSecret(ctx, target.secret, func(secret *corev1.Secret) error {
		return s.decideLogin(secret, target.user, hash, passwordOK, req, &result)
	})
	result.recordLockout(err)
	if errors.Is(err, errGone) {
		return loginResult{}, errLoginFailed
	}
	return result, err
}

// decideLogin applies one login attempt to a fresh copy of the credential
// Secret: it counts a failure, or clears the counts and adds a session. It
// returns the answer for the person.
func (s *Server) decideLogin(secret *corev1.Secret, user *iamv1alpha1.User, checkedHash []byte, passwordOK bool, req loginRequest, result *loginResult) error {
	// Each attempt decides afresh: what an attempt on an older copy of the
	// Secret concluded must not leak into this one.
	*result = loginResult{target: result.target}
	now := s.Clock.Now()
	if !bytes.Equal(secret.Data[credentials.KeyPasswordHash], checkedHash) {
		// The password changed since it was checked: a reset just happened.
		return errLoginFailed
	}
	policy := s.lockout()
	lockout := afterExpiry(credentials.ReadLockout(secret), now)
	if !passwordOK {
		credentials.WriteLockout(secret, result.countFailure(policy, lockout, credentials.LockedByPassword, now))
		return errLoginFailed
	}
	// Only now, with the right password, may the person learn more.
	if lockout.Locked(now) {
		return userLocked(lockout.Until)
	}
	if user.Spec.State == iamv1alpha1.UserStateDisabled {
		return errUserDisabled
	}
	lockout.Password = credentials.Counter{}
	twoFactor, err := credentials.ReadTwoFactor(secret, s.Cipher)
	if err != nil {
		return err
	}
	result.email, result.twoFactor = user.Spec.Email, twoFactor.Enabled()
	switch {
	case twoFactor.Enabled():
		if p := s.checkSecondFactor(&twoFactor, req, now, result); p != nil {
			if p == errCodeInvalid {
				lockout = result.countFailure(policy, lockout, credentials.LockedByCode, now)
			}
			credentials.WriteLockout(secret, lockout)
			return p
		}
		if err := credentials.WriteTwoFactor(secret, twoFactor, s.Cipher); err != nil {
			return err
		}
	case s.RequireTwoFactor || user.Spec.RequireTwoFactor:
		result.enroll = true
	}
	if !result.enroll {
		lockout = credentials.Lockout{}
		credentials.SetLastLoginTime(secret, now)
	}
	credentials.WriteLockout(secret, lockout)
	if err := s.addSession(secret, user, now, result); err != nil {
		return err
	}
	if result.enroll {
		return enrollmentRequired(result.token, result.expiry)
	}
	return nil
}

// checkSecondFactor checks the code or recovery code of a login and uses it
// up: a TOTP code by remembering its time step, a recovery code by removing
// it.
func (s *Server) checkSecondFactor(tf *credentials.TwoFactor, req loginRequest, now time.Time, result *loginResult) *problem {
	switch {
	case req.Code != "":
		step, ok := checkTOTP(tf.Secret, req.Code, now, tf.LastStep)
		if !ok {
			return errCodeInvalid
		}
		tf.LastStep = step
	case req.RecoveryCode != "":
		hash := credentials.HashToken(normalizeRecoveryCode(req.RecoveryCode))
		i := slices.Index(tf.RecoveryCodes, hash)
		if i < 0 {
			return errCodeInvalid
		}
		tf.RecoveryCodes = slices.Delete(tf.RecoveryCodes, i, i+1)
		result.usedRec = true
	default:
		return errTwoFactorRequired
	}
	return nil
}

// addSession starts a session in the Secret and puts its token in result.
func (s *Server) addSession(secret *corev1.Secret, user *iamv1alpha1.User, now time.Time, result *loginResult) error {
	token, hash, err := credentials.NewScopedToken(user.Namespace, user.Name)
	if err != nil {
		return err
	}
	ttl := s.sessionTTL()
	if result.enroll {
		ttl = min(ttl, enrollSessionTTL)
	}
	session := credentials.Session{TokenHash: hash, Expiry: now.Add(ttl), EnrollOnly: result.enroll}
	appendSession(secret, session, now)
	result.token, result.expiry = token, session.Expiry
	return nil
}

// appendSession adds a session to the Secret, dropping expired ones and,
// beyond maxSessions, the one closest to its end. An expired "log in as"
// session stays, uncounted, until the User controller records its end.
func appendSession(secret *corev1.Secret, session credentials.Session, now time.Time) {
	var sessions, unrecorded []credentials.Session
	for _, old := range credentials.ReadSessions(secret) {
		switch {
		case !old.Expired(now):
			sessions = append(sessions, old)
		case old.Actor != nil:
			unrecorded = append(unrecorded, old)
		}
	}
	slices.SortFunc(sessions, func(a, b credentials.Session) int { return a.Expiry.Compare(b.Expiry) })
	if len(sessions) >= maxSessions {
		sessions = sessions[len(sessions)-maxSessions+1:]
	}
	credentials.WriteSessions(secret, append(append(unrecorded, sessions...), session), now)
}

// enrollSessionTTL bounds a session that may only enrol two-factor.
const enrollSessionTTL = 15 * time.Minute

// findLoginTarget finds the user an account and email name, and its
// credential Secret, in the cache; nil when there is no such user who could
// log in. The email is compared without regard to case, as mail systems do.
func (s *Server) findLoginTarget(ctx context.Context, account, email string) (*loginTarget, error) {
	var users iamv1alpha1.UserList
	if err := s.Client.List(ctx, &users, client.InNamespace(account)); err != nil {
		return nil, fmt.Errorf("list users of account %s: %w", account, err)
	}
	for i := range users.Items {
		user := &users.Items[i]
		if !strings.EqualFold(user.Spec.Email, strings.TrimSpace(email)) || !user.DeletionTimestamp.IsZero() {
			continue
		}
		secret := &corev1.Secret{}
		err := s.Client.Get(ctx, credentials.SecretKey(s.CredentialsNamespace, account, user.Name), secret)
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return nil, fmt.Errorf("get credential Secret of user %s/%s: %w", account, user.Name, err)
		}
		if checkUser(user, secret) == errTokenInvalid || !credentials.HasPassword(secret) {
			continue
		}
		return &loginTarget{user: user, secret: secret}, nil
	}
	return nil, nil
}

func (s *Server) lockout() LockoutPolicy {
	if s.Lockout.Threshold < 1 {
		return DefaultLockoutPolicy()
	}
	return s.Lockout
}

// DefaultSessionTTL is how long a session lasts unless --session-ttl says
// otherwise.
const DefaultSessionTTL = 12 * time.Hour

func (s *Server) sessionTTL() time.Duration {
	if s.SessionTTL <= 0 {
		return DefaultSessionTTL
	}
	return s.SessionTTL
}
