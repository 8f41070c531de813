package operator

import (
	"errors"
	"flag"
	"time"
)

// LeaderElectionOptions decide which replica reconciles. Every replica
// serves the self-service API, the webhooks, the issuer's keys, health and
// metrics; only the one holding the lease runs the controllers and the
// work that must happen once (history pruning, signing-key rotation).
type LeaderElectionOptions struct {
	// Enabled elects a leader; without it the manager reconciles at once,
	// which is right only when it is the only replica.
	Enabled bool
	// Namespace of the lease; empty is the manager's own.
	Namespace string
	// LeaseDuration is how long a lease holds after its last renewal: a
	// killed leader is replaced at most this (plus a RetryPeriod) later.
	LeaseDuration time.Duration
	// RenewDeadline is how long the leader keeps trying to renew before it
	// steps down (and exits, so that it cannot reconcile beside a
	// successor).
	RenewDeadline time.Duration
	// RetryPeriod is how often every replica tries to take or renew the
	// lease.
	RetryPeriod time.Duration
}

// The defaults are client-go's and Kubernetes' own controllers': a leader
// killed without stepping down is replaced within FailoverTime, 20
// seconds; a leader that stops cleanly releases the lease and is replaced
// within a RetryPeriod.
const (
	defaultLeaseDuration = 15 * time.Second
	defaultRenewDeadline = 10 * time.Second
	defaultRetryPeriod   = 2 * time.Second
)

// leaderElectionJitter is client-go's JitterFactor: a renewal may come that
// much later than RetryPeriod, and RenewDeadline must leave room for it.
const leaderElectionJitter = 1.2

const leaseName = "tenantry-manager.iam.tenantry.io"

func defaultLeaderElectionOptions() LeaderElectionOptions {
	return LeaderElectionOptions{
		LeaseDuration: defaultLeaseDuration,
		RenewDeadline: defaultRenewDeadline,
		RetryPeriod:   defaultRetryPeriod,
	}
}

// FailoverTime is the longest a leader killed without stepping down goes
// unreplaced. A replica counts the lease's time from when it saw the last
// renewal, up to a jittered RetryPeriod after the renewal itself; once the
// lease has run out, its next try, up to a jittered RetryPeriod later,
// takes it. With the defaults: 15s + 2 × 1.2 × 2s = 19.8s.
func (l LeaderElectionOptions) FailoverTime() time.Duration {
	return l.LeaseDuration + time.Duration(2*leaderElectionJitter*float64(l.RetryPeriod))
}

// BindFlags registers the leader election flags, with l's values as
// defaults. The names are those of Kubernetes' own controller managers.
func (l *LeaderElectionOptions) BindFlags(fs *flag.FlagSet) {
	fs.BoolVar(&l.Enabled, "leader-elect", l.Enabled, "Elect a leader so that only one replica reconciles; every replica serves the self-service API, webhooks, issuer keys, health and metrics.")
	fs.StringVar(&l.Namespace, "leader-election-namespace", l.Namespace, "Namespace of the leader election lease ("+leaseName+"); defaults to the manager's own.")
	fs.DurationVar(&l.LeaseDuration, "leader-elect-lease-duration", l.LeaseDuration, "How long the lease holds after its last renewal: a leader killed without stepping down is replaced within this plus 2.4 × --leader-elect-retry-period (19.8s with the defaults).")
	fs.DurationVar(&l.RenewDeadline, "leader-elect-renew-deadline", l.RenewDeadline, "How long the leader tries to renew the lease before it gives up leading and exits; shorter than --leader-elect-lease-duration.")
	fs.DurationVar(&l.RetryPeriod, "leader-elect-retry-period", l.RetryPeriod, "How often each replica tries to take or renew the lease.")
}

// validate reports invalid leader election options in flag terms: the
// order client-go requires, so that a leader steps down before its lease
// can pass to another replica.
func (l LeaderElectionOptions) validate() []error {
	var errs []error
	if l.LeaseDuration <= 0 || l.RenewDeadline <= 0 || l.RetryPeriod <= 0 {
		return []error{errors.New("--leader-elect-lease-duration, --leader-elect-renew-deadline and --leader-elect-retry-period must be positive")}
	}
	if l.LeaseDuration <= l.RenewDeadline {
		errs = append(errs, errors.New("--leader-elect-lease-duration must be longer than --leader-elect-renew-deadline, so that a leader steps down before its lease can go to another replica"))
	}
	if float64(l.RenewDeadline) <= leaderElectionJitter*float64(l.RetryPeriod) {
		errs = append(errs, errors.New("--leader-elect-renew-deadline must be longer than 1.2 × --leader-elect-retry-period, so that the leader gets to retry a renewal"))
	}
	return errs
}
