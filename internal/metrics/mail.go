package metrics

import (
	"context"
	"time"

	"github.com/tenantry-io/tenantry/internal/mail"
)

// timedSender times every send of the sender it wraps.
type timedSender struct{ mail.Sender }

// TimeSends wraps s so that each Send is observed in
// tenantry_smtp_send_duration_seconds.
func TimeSends(s mail.Sender) mail.Sender { return timedSender{s} }

func (t timedSender) Send(ctx context.Context, msg mail.Message) error {
	start := time.Now()
	defer func() { smtpSendDuration.Observe(time.Since(start).Seconds()) }()
	return t.Sender.Send(ctx, msg)
}

// EmailResult names the result of one send by its error, as the User
// controller reports it: a permanent refusal is rejected, any other error
// failed (and retried).
func EmailResult(sendErr error) string {
	switch {
	case sendErr == nil:
		return EmailDelivered
	case mail.IsPermanent(sendErr):
		return EmailRejected
	default:
		return EmailFailed
	}
}
