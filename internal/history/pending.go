package history

import (
	"encoding/json"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// MaxPending bounds the changes a User carries unfiled. The operator files
// them within moments, so only a burst of more than this many writes to one
// user faster than it can file them loses the oldest; the User controller
// then says so in a Warning event.
const MaxPending = 16

// maxGroups bounds the groups a record keeps of its requester.
const maxGroups = 32

// Entry is one admitted change not yet filed: the UserChange to be, less
// what the User itself says (its name, UID and namespace).
type Entry struct {
	Sequence  int64                        `json:"seq"`
	Time      metav1.MicroTime             `json:"time"`
	Action    iamv1alpha1.UserChangeAction `json:"action"`
	Requester iamv1alpha1.Requester        `json:"requester"`
	Changes   []iamv1alpha1.FieldChange    `json:"changes,omitempty"`
	Summary   string                       `json:"summary,omitempty"`
}

// Pending decodes the changes a User carries, oldest first. Admission
// writes the annotation and replaces whatever a request put there, so a
// value that does not decode was never admission's: it reads as none.
func Pending(u *iamv1alpha1.User) []Entry {
	raw := u.Annotations[iamv1alpha1.PendingChangesAnnotation]
	if raw == "" {
		return nil
	}
	var entries []Entry
	if err := json.Unmarshal([]byte(raw), &entries); err != nil {
		return nil
	}
	return entries
}

// FiledSequence is the sequence number of the user's last filed change.
func FiledSequence(u *iamv1alpha1.User) int64 {
	if u.Status.History == nil {
		return 0
	}
	return u.Status.History.FiledSequence
}

// AllFiled says whether every change the user carries has been filed.
func AllFiled(u *iamv1alpha1.User) bool {
	filed := FiledSequence(u)
	for _, e := range Pending(u) {
		if e.Sequence > filed {
			return false
		}
	}
	return true
}

// NextSequence is the number the user's next change gets.
func NextSequence(u *iamv1alpha1.User) int64 {
	next := FiledSequence(u) + 1
	for _, e := range Pending(u) {
		next = max(next, e.Sequence+1)
	}
	return next
}

// Stamp is admission's part: it records the write from old (nil for a
// creation) to next on next, as the API server is about to store it. A
// write that changes nothing the history records keeps old's pending
// changes as they were, whatever the request carried; one that does adds
// its entry after those old has not had filed yet. It reports whether it
// added one.
func Stamp(old, next *iamv1alpha1.User, requester iamv1alpha1.Requester, now time.Time) bool {
	var kept []Entry
	filed := int64(0)
	if old != nil {
		kept, filed = Pending(old), FiledSequence(old)
	}
	changes := Diff(old, next)
	if old != nil && len(changes) == 0 {
		setAnnotation(next, old.Annotations[iamv1alpha1.PendingChangesAnnotation])
		return false
	}
	seq := filed + 1
	unfiled := make([]Entry, 0, len(kept)+1)
	for _, e := range kept {
		seq = max(seq, e.Sequence+1)
		if e.Sequence > filed {
			unfiled = append(unfiled, e)
		}
	}
	action := ActionOf(old == nil, changes)
	unfiled = append(unfiled, Entry{
		Sequence: seq, Time: metav1.NewMicroTime(now.UTC()), Action: action,
		Requester: requester, Changes: changes, Summary: Summary(action, next, changes),
	})
	if len(unfiled) > MaxPending {
		unfiled = unfiled[len(unfiled)-MaxPending:]
	}
	raw, err := json.Marshal(unfiled)
	if err != nil {
		return false // plain data always encodes
	}
	setAnnotation(next, string(raw))
	return true
}

func setAnnotation(u *iamv1alpha1.User, value string) {
	if value == "" {
		if u.Annotations != nil {
			delete(u.Annotations, iamv1alpha1.PendingChangesAnnotation)
		}
		return
	}
	if u.Annotations == nil {
		u.Annotations = map[string]string{}
	}
	u.Annotations[iamv1alpha1.PendingChangesAnnotation] = value
}

// RequesterOf is who the API server authenticated a request as.
func RequesterOf(info authenticationv1.UserInfo) iamv1alpha1.Requester {
	r := iamv1alpha1.Requester{Username: shortenTo(info.Username, 512), UID: shortenTo(info.UID, 256)}
	for i, g := range info.Groups {
		if i == maxGroups {
			break
		}
		r.Groups = append(r.Groups, shortenTo(g, 256))
	}
	if act := info.Extra[iamv1alpha1.ActExtraKey]; len(act) > 0 && act[0] != "" {
		r.Actor = shortenTo(act[0], 512)
	}
	return r
}
