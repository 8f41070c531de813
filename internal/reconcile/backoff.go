package reconcile

import "time"

// Backoff spaces out retries of a failed delivery: Base after the first
// failure, doubling after each further one, never more than Max.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
}

// Delay is how long to wait after the given number of failed attempts.
func (b Backoff) Delay(failedAttempts int32) time.Duration {
	if failedAttempts < 1 {
		return 0
	}
	delay := b.Base
	for i := int32(1); i < failedAttempts; i++ {
		delay *= 2
		if delay >= b.Max || delay <= 0 { // delay <= 0: the doubling overflowed
			return b.Max
		}
	}
	return min(delay, b.Max)
}
