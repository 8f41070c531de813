package history

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// uidPart is how much of the user's UID a record's name carries: enough to
// tell the records of a user from an earlier user of the same name, whose
// records outlive it for the retention.
const uidPart = 8

// RecordName is the name of the record of a user's change number seq:
// "alice-3f2a9c1d-00007". Records of one user list together, in order.
func RecordName(u *iamv1alpha1.User, seq int64) string {
	return fmt.Sprintf("%s-%s-%05d", u.Name, shortUID(u), seq)
}

// OutOfSequenceName names a record that did not come through the User's
// admission (a "log in as", a cancelled transaction), from what it is
// about, so that filing it twice makes one record.
func OutOfSequenceName(u *iamv1alpha1.User, kind, id string) string {
	sum := sha256.Sum256([]byte(id))
	return fmt.Sprintf("%s-%s-%s-%s", u.Name, shortUID(u), kind, hex.EncodeToString(sum[:])[:10])
}

func shortUID(u *iamv1alpha1.User) string {
	uid := string(u.UID)
	if len(uid) > uidPart {
		uid = uid[:uidPart]
	}
	return uid
}

// Record is the UserChange of a user's change, labelled with the user so
// that `kubectl get userchanges -l iam.tenantry.io/user=alice` lists them.
// It is not owned by the User: a deleted user's history stays for the
// retention.
func Record(u *iamv1alpha1.User, name string, e Entry) *iamv1alpha1.UserChange {
	return &iamv1alpha1.UserChange{
		TypeMeta: metav1.TypeMeta{APIVersion: iamv1alpha1.GroupVersion.String(), Kind: "UserChange"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: u.Namespace,
			Labels: map[string]string{
				iamv1alpha1.UserLabel:      u.Name,
				iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy,
			},
		},
		Spec: iamv1alpha1.UserChangeSpec{
			User: u.Name, UserUID: u.UID, Sequence: e.Sequence, Action: e.Action,
			Requester: e.Requester, Time: e.Time, Changes: e.Changes, Summary: e.Summary,
		},
	}
}
