package selfservice

import (
	"errors"
	"time"

	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/metrics"
)

// loginMetricResults name each sign-in problem's result in
// tenantry_logins_total; any other error is "error".
var loginMetricResults = map[string]string{
	ReasonLoginFailed:                 metrics.LoginBadCredentials,
	ReasonUserLocked:                  metrics.LoginLocked,
	ReasonUserDisabled:                metrics.LoginDisabled,
	ReasonTwoFactorRequired:           metrics.LoginTwoFactorRequired,
	ReasonCodeInvalid:                 metrics.LoginCodeInvalid,
	ReasonTwoFactorEnrollmentRequired: metrics.LoginEnrollmentRequired,
	ReasonTooManyRequests:             metrics.LoginRateLimited,
	ReasonServerBusy:                  metrics.LoginBusy,
}

// recordLogin counts one login by how it ended.
func recordLogin(err error) {
	if err == nil {
		metrics.RecordLogin(metrics.LoginSuccess)
		return
	}
	result := metrics.LoginError
	var p *problem
	if errors.As(err, &p) {
		if r, ok := loginMetricResults[p.reason]; ok {
			result = r
		}
	}
	metrics.RecordLogin(result)
}

// countFailure is policy.recordFailure that also notes in the result
// whether this failure locked the user, to count the lockout once the
// Secret holding it is written.
func (result *loginResult) countFailure(policy LockoutPolicy, l credentials.Lockout, kind string, now time.Time) credentials.Lockout {
	next := policy.recordFailure(l, kind, now)
	result.lockedNow = !l.Locked(now) && next.Locked(now)
	return next
}

// recordLockout counts the lockout a login caused, if it did and its
// Secret was written: updateSecret hands back the login's own problem only
// then.
func (result *loginResult) recordLockout(err error) {
	var p *problem
	if result.lockedNow && errors.As(err, &p) {
		metrics.RecordLockout()
	}
}
