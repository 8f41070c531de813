package selfservice

import (
	"testing"
	"time"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

func TestRecordFailure(t *testing.T) {
	p := LockoutPolicy{Threshold: 3, Window: 15 * time.Minute, Duration: 30 * time.Minute}
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	pw := func(n int32, since time.Time) credentials.Counter { return credentials.Counter{Count: n, Since: since} }
	tests := []struct {
		name string
		in   credentials.Lockout
		kind string
		now  time.Time
		want credentials.Lockout
	}{{
		name: "the first failure starts the window",
		kind: credentials.LockedByPassword, now: t0,
		want: credentials.Lockout{Password: pw(1, t0)},
	}, {
		name: "a failure within the window counts",
		in:   credentials.Lockout{Password: pw(1, t0)},
		kind: credentials.LockedByPassword, now: t0.Add(time.Minute),
		want: credentials.Lockout{Password: pw(2, t0)},
	}, {
		name: "the threshold locks",
		in:   credentials.Lockout{Password: pw(2, t0)},
		kind: credentials.LockedByPassword, now: t0.Add(2 * time.Minute),
		want: credentials.Lockout{Password: pw(3, t0), Until: t0.Add(32 * time.Minute), By: credentials.LockedByPassword},
	}, {
		name: "a failure after the window starts again",
		in:   credentials.Lockout{Password: pw(2, t0)},
		kind: credentials.LockedByPassword, now: t0.Add(15 * time.Minute),
		want: credentials.Lockout{Password: pw(1, t0.Add(15*time.Minute))},
	}, {
		name: "nothing is counted while locked",
		in:   credentials.Lockout{Password: pw(3, t0), Until: t0.Add(30 * time.Minute), By: credentials.LockedByPassword},
		kind: credentials.LockedByPassword, now: t0.Add(time.Minute),
		want: credentials.Lockout{Password: pw(3, t0), Until: t0.Add(30 * time.Minute), By: credentials.LockedByPassword},
	}, {
		name: "failures before an expired lock are forgotten",
		in:   credentials.Lockout{Password: pw(3, t0), Code: pw(2, t0), Until: t0.Add(30 * time.Minute), By: credentials.LockedByPassword},
		kind: credentials.LockedByPassword, now: t0.Add(31 * time.Minute),
		want: credentials.Lockout{Password: pw(1, t0.Add(31*time.Minute))},
	}, {
		name: "codes have their own count",
		in:   credentials.Lockout{Password: pw(2, t0)},
		kind: credentials.LockedByCode, now: t0,
		want: credentials.Lockout{Password: pw(2, t0), Code: pw(1, t0)},
	}, {
		name: "wrong codes lock by their own count",
		in:   credentials.Lockout{Code: pw(2, t0)},
		kind: credentials.LockedByCode, now: t0.Add(time.Minute),
		want: credentials.Lockout{Code: pw(3, t0), Until: t0.Add(31 * time.Minute), By: credentials.LockedByCode},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.recordFailure(tt.in, tt.kind, tt.now); got != tt.want {
				t.Errorf("recordFailure() =\n%+v, want\n%+v", got, tt.want)
			}
		})
	}
}
