package operator

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"time"

	"github.com/tenantry-io/tenantry/internal/selfservice"
)

// SignInOptions shape logins, lockouts, password resets and two-factor.
type SignInOptions struct {
	LockoutThreshold int
	LockoutWindow    time.Duration
	LockoutDuration  time.Duration
	SessionTTL       time.Duration
	RequireTwoFactor bool
	TOTPIssuer       string
	// LoginRate and LoginBurst limit password and code checks per second
	// across all clients; ClientRate and ClientBurst per client address.
	LoginRate   float64
	LoginBurst  int
	ClientRate  float64
	ClientBurst int
	// MaxConcurrentHashes caps the password hashes computed at once (0:
	// as many as HashCPUShare allows, at least one); HashQueue more may
	// wait for one, the rest get 429.
	MaxConcurrentHashes int
	HashQueue           int
	// HashCPUShare is the share of the process's CPUs (GOMAXPROCS, which
	// follows the container's CPU limit) that password hashing may take on
	// average; 0 sets no bound but MaxConcurrentHashes.
	HashCPUShare     float64
	ResetURL         string
	ResetTTL         time.Duration
	ResetTemplateDir string
}

// defaultHashCPUShare keeps the controllers at four fifths of their
// throughput or more during a login storm: on 2 CPUs, a fifth of a CPU of
// bcrypt, about 0.7 logins a second per replica; more queue, then get 429
// with Retry-After. A share of 0.2 left them three quarters (0.75 in three
// runs of BenchmarkUsersInvitedDuringLoginStorm, each side on a quiet
// control plane): the hashing's share plus what serving the storm costs.
const defaultHashCPUShare = 0.1

// HashGate is the password hashing bound of these options on a process
// with procs CPUs.
func (si SignInOptions) HashGate(procs int) *selfservice.HashGate {
	cpus := si.HashCPUShare * float64(procs)
	concurrent := si.MaxConcurrentHashes
	if concurrent == 0 {
		concurrent = max(1, int(math.Ceil(cpus)))
	}
	gate := selfservice.NewHashGate(concurrent, si.HashQueue)
	if cpus > 0 {
		gate.LimitCPU(cpus)
	}
	return gate
}

// defaultSignInOptions take the lockout, session and authenticator-app
// defaults from the self-service API, which falls back on the same values
// when built without options.
func defaultSignInOptions() SignInOptions {
	lockout := selfservice.DefaultLockoutPolicy()
	return SignInOptions{
		LockoutThreshold: int(lockout.Threshold), LockoutWindow: lockout.Window, LockoutDuration: lockout.Duration,
		SessionTTL: selfservice.DefaultSessionTTL, TOTPIssuer: selfservice.DefaultTOTPIssuer,
		LoginRate: 20, LoginBurst: 40, ClientRate: 1, ClientBurst: 10,
		HashQueue: 32, HashCPUShare: defaultHashCPUShare,
		ResetURL: "http://localhost:8082/v1/password-resets/confirm",
		ResetTTL: time.Hour,
	}
}

// BindFlags registers the sign-in flags, with si's values as defaults.
func (si *SignInOptions) BindFlags(fs *flag.FlagSet) {
	fs.IntVar(&si.LockoutThreshold, "lockout-threshold", si.LockoutThreshold, "Failed passwords (or, separately, failed two-factor codes) within --lockout-window that lock a user.")
	fs.DurationVar(&si.LockoutWindow, "lockout-window", si.LockoutWindow, "Window in which failed logins are counted.")
	fs.DurationVar(&si.LockoutDuration, "lockout-duration", si.LockoutDuration, "How long a lockout lasts unless an administrator unlocks sooner.")
	fs.DurationVar(&si.SessionTTL, "session-ttl", si.SessionTTL, "How long a login session lasts.")
	fs.BoolVar(&si.RequireTwoFactor, "require-two-factor", si.RequireTwoFactor, "Require two-factor authentication of every user, as spec.requireTwoFactor does for one.")
	fs.StringVar(&si.TOTPIssuer, "totp-issuer", si.TOTPIssuer, "Name authenticator apps show for Tenantry's codes.")
	fs.Float64Var(&si.LoginRate, "login-rate-limit", si.LoginRate, "Logins, resets and code checks per second across all clients.")
	fs.IntVar(&si.LoginBurst, "login-rate-burst", si.LoginBurst, "Logins that may arrive at once before --login-rate-limit applies.")
	fs.Float64Var(&si.ClientRate, "login-client-rate-limit", si.ClientRate, "Logins, resets and code checks per second from one client address.")
	fs.IntVar(&si.ClientBurst, "login-client-rate-burst", si.ClientBurst, "Logins one client address may send at once before --login-client-rate-limit applies.")
	fs.IntVar(&si.MaxConcurrentHashes, "max-concurrent-password-hashes", si.MaxConcurrentHashes, "Password hashes computed at once; 0 takes as many as --password-hash-cpu-share allows (at least 1).")
	fs.Float64Var(&si.HashCPUShare, "password-hash-cpu-share", si.HashCPUShare, "Share of the process's CPUs (GOMAXPROCS, which follows the container's CPU limit) that password hashing may take on average, so that a login storm leaves the controllers the rest; 0 sets no such bound.")
	fs.IntVar(&si.HashQueue, "password-hash-queue", si.HashQueue, "Requests that may wait for a password hash; more are refused with 429.")
	fs.StringVar(&si.ResetURL, "password-reset-url", si.ResetURL, "Base URL of the link in password reset emails; the token is added as ?token=.")
	fs.DurationVar(&si.ResetTTL, "password-reset-ttl", si.ResetTTL, "How long a password reset link works.")
	fs.StringVar(&si.ResetTemplateDir, "password-reset-template-dir", si.ResetTemplateDir, "Directory with subject.txt, body.txt and body.html overriding the password reset email.")
}

// validate reports the invalid sign-in options, in flag terms.
func (si SignInOptions) validate() []error {
	var errs []error
	if si.LockoutThreshold < 1 || si.LockoutWindow <= 0 || si.LockoutDuration <= 0 {
		errs = append(errs, errors.New("--lockout-threshold, --lockout-window and --lockout-duration must be positive"))
	}
	if si.SessionTTL <= 0 || si.ResetTTL <= 0 {
		errs = append(errs, errors.New("--session-ttl and --password-reset-ttl must be positive"))
	}
	if si.MaxConcurrentHashes < 0 || si.HashQueue < 0 {
		errs = append(errs, errors.New("--max-concurrent-password-hashes and --password-hash-queue must not be negative"))
	}
	if si.HashCPUShare < 0 || si.HashCPUShare > 1 {
		errs = append(errs, fmt.Errorf("--password-hash-cpu-share: %v is not a share between 0 and 1", si.HashCPUShare))
	}
	if si.LoginRate < 0 || si.ClientRate < 0 {
		errs = append(errs, errors.New("--login-rate-limit and --login-client-rate-limit must not be negative (0 turns one off)"))
	}
	if !isHTTPURL(si.ResetURL) {
		errs = append(errs, fmt.Errorf("--password-reset-url: %q is not an http(s) URL", si.ResetURL))
	}
	return errs
}
