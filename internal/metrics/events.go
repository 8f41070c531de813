package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Results of an email (invitation or password reset) attempt, as
// controllers/email_delivery.go reports them.
const (
	EmailDelivered   = "delivered"
	EmailFailed      = "failed" // a temporary failure; it is retried
	EmailRejected    = "rejected"
	EmailUnconfirmed = "unconfirmed" // the manager stopped mid-send
)

// Results of a balance transaction.
const (
	TransactionApplied   = "applied"
	TransactionRejected  = "rejected"
	TransactionCancelled = "cancelled"
)

// Results of a login through the self-service API.
const (
	LoginSuccess            = "success"
	LoginBadCredentials     = "bad_credentials"
	LoginLocked             = "locked"
	LoginDisabled           = "disabled"
	LoginTwoFactorRequired  = "two_factor_required"
	LoginCodeInvalid        = "code_invalid"
	LoginEnrollmentRequired = "enrollment_required"
	LoginRateLimited        = "rate_limited"
	LoginBusy               = "busy"
	LoginError              = "error"
)

// labelResult says how an event ended.
const labelResult = "result"

var (
	reconcileConflicts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tenantry_reconcile_conflicts_total",
		Help: "Reconciles that met an optimistic-lock conflict with a newer write and were run again.",
	}, []string{"controller"})

	invitationsSent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tenantry_invitations_sent_total",
		Help: "Invitation email attempts by result: delivered, failed (retried), rejected (for good), unconfirmed (interrupted).",
	}, []string{labelResult})

	passwordResetsSent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tenantry_password_resets_sent_total",
		Help: "Password reset email attempts by result: delivered, failed (retried), rejected (for good), unconfirmed (interrupted).",
	}, []string{labelResult})

	smtpSendDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "tenantry_smtp_send_duration_seconds",
		Help: "Time of one SMTP conversation sending an email, failed ones included.",
		// From a local relay (milliseconds) to the 30s SMTP timeout.
		Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	})

	transactions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tenantry_transactions_total",
		Help: "Balance transactions by result: applied, rejected, cancelled.",
	}, []string{labelResult})

	logins = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tenantry_logins_total",
		Help: "Logins through the self-service API by result.",
	}, []string{labelResult})

	lockouts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tenantry_lockouts_total",
		Help: "Users locked by too many failed passwords or codes.",
	})

	impersonations = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tenantry_impersonations_total",
		Help: `"Log in as" sessions started.`,
	})
)

// collectors are every metric of this package, registered once.
var collectors = []prometheus.Collector{
	reconcileConflicts, invitationsSent, passwordResetsSent, smtpSendDuration,
	transactions, logins, lockouts, impersonations, cluster,
	serviceDriftCorrected,
}

func init() {
	metrics.Registry.MustRegister(collectors...)
}

// Email says which counter an email attempt goes to.
type Email struct{ sent *prometheus.CounterVec }

// The emails the User controller sends.
var (
	Invitations    = Email{sent: invitationsSent}
	PasswordResets = Email{sent: passwordResetsSent}
)

// RecordEmail counts one attempt to send an email with its result.
func RecordEmail(e Email, result string) { e.sent.WithLabelValues(result).Inc() }

// RecordReconcileConflict counts a pass of controller run again after a
// conflict.
func RecordReconcileConflict(controller string) {
	reconcileConflicts.WithLabelValues(controller).Inc()
}

// RecordTransaction counts a transaction's result once its write
// succeeded (err is nil); a failed write is retried and counted then.
func RecordTransaction(result string, err error) {
	if err == nil {
		transactions.WithLabelValues(result).Inc()
	}
}

// RecordLogin counts one login with its result.
func RecordLogin(result string) { logins.WithLabelValues(result).Inc() }

// RecordLockout counts a user newly locked.
func RecordLockout() { lockouts.Inc() }

// RecordImpersonation counts a started "log in as".
func RecordImpersonation() { impersonations.Inc() }
