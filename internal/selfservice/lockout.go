package selfservice

import (
	"time"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

// LockoutPolicy says how many failures lock a user, counted over which
// window, and for how long.
type LockoutPolicy struct {
	// Threshold failures of one kind within Window lock the user.
	Threshold int32
	Window    time.Duration
	Duration  time.Duration
}

// DefaultLockoutPolicy is the flags' default: 5 failures in 15 minutes lock
// the user for 30 minutes. It is a function so that no caller can change
// the default for every other.
func DefaultLockoutPolicy() LockoutPolicy {
	return LockoutPolicy{Threshold: 5, Window: 15 * time.Minute, Duration: 30 * time.Minute}
}

// afterExpiry forgets a lock that has run out, with the failures that led
// to it: they must not lock the user again.
func afterExpiry(l credentials.Lockout, now time.Time) credentials.Lockout {
	if !l.Until.IsZero() && !now.Before(l.Until) {
		return credentials.Lockout{}
	}
	return l
}

// recordFailure is the lockout after one more failure of kind
// (credentials.LockedByPassword or LockedByCode) at now. While the user is
// locked nothing is counted, so a lock ends when it said it would and
// exactly Threshold failures lock, however many arrive at once.
func (p LockoutPolicy) recordFailure(l credentials.Lockout, kind string, now time.Time) credentials.Lockout {
	l = afterExpiry(l, now)
	if l.Locked(now) {
		return l
	}
	c := &l.Password
	if kind == credentials.LockedByCode {
		c = &l.Code
	}
	if c.Count == 0 || !now.Before(c.Since.Add(p.Window)) {
		*c = credentials.Counter{Since: now}
	}
	c.Count++
	if c.Count >= p.Threshold {
		l.Until = now.Add(p.Duration)
		l.By = kind
	}
	return l
}
