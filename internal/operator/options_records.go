package operator

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RecordsOptions keep an account's records: the change history of its
// users and the soft-deleted users waiting to be restored or purged.
type RecordsOptions struct {
	// HistoryRetention is how long a change record is kept.
	HistoryRetention time.Duration
	// HistoryLimit is how many numbered changes are kept per user.
	HistoryLimit int64
	// HistoryPruneInterval is how often expired records are deleted.
	HistoryPruneInterval time.Duration
	// DeletionRetention is how long a soft-deleted user can be restored.
	DeletionRetention time.Duration
}

// The records defaults: a change record is kept 90 days, and only the last
// 200 of each user (years of an administrator's edits, and a bound on what
// a pipeline that changes a user on every sync can pile up); expired
// records are looked for hourly; a soft-deleted user can be restored for 30
// days.
const (
	defaultHistoryRetention     = 90 * 24 * time.Hour
	defaultHistoryLimit         = 200
	defaultHistoryPruneInterval = time.Hour
	defaultDeletionRetention    = 30 * 24 * time.Hour
)

func defaultRecordsOptions() RecordsOptions {
	return RecordsOptions{
		HistoryRetention:     defaultHistoryRetention,
		HistoryLimit:         defaultHistoryLimit,
		HistoryPruneInterval: defaultHistoryPruneInterval,
		DeletionRetention:    defaultDeletionRetention,
	}
}

// BindFlags registers the records flags, with r's values as defaults.
func (r *RecordsOptions) BindFlags(fs *flag.FlagSet) {
	fs.Var((*days)(&r.HistoryRetention), "history-retention", "How long a user's change records (UserChanges) are kept, e.g. 90d or 2160h.")
	fs.Int64Var(&r.HistoryLimit, "history-limit", r.HistoryLimit, "Change records kept per user; filing one more removes the oldest.")
	fs.Var((*days)(&r.HistoryPruneInterval), "history-prune-interval", "How often change records older than --history-retention are deleted.")
	fs.Var((*days)(&r.DeletionRetention), "deletion-retention", "How long a soft-deleted user (spec.state Deleted) can be restored before it is deleted for real, e.g. 30d.")
}

// validate reports the invalid records options, in flag terms.
func (r RecordsOptions) validate() []error {
	var errs []error
	if r.HistoryRetention <= 0 || r.HistoryPruneInterval <= 0 || r.DeletionRetention <= 0 {
		errs = append(errs, errors.New("--history-retention, --history-prune-interval and --deletion-retention must be positive"))
	}
	if r.HistoryLimit < 1 {
		errs = append(errs, errors.New("--history-limit must be at least 1"))
	}
	return errs
}

// days is a duration flag that also takes whole days ("90d"), the unit
// retentions are thought of in; it prints whole days that way too.
type days time.Duration

func (d *days) String() string {
	v := time.Duration(*d)
	if v > 0 && v%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(v/(24*time.Hour)), 10) + "d"
	}
	return v.String()
}

func (d *days) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		count, err := strconv.ParseInt(n, 10, 32)
		if err != nil {
			return fmt.Errorf("%q is not a number of days such as 30d", s)
		}
		*d = days(time.Duration(count) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is neither days such as 30d nor a duration such as 720h", s)
	}
	*d = days(v)
	return nil
}
