package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// Two admins removing the account's only two owners at the same moment
// would each see the other owner still there and both be admitted: a
// webhook reads, it cannot lock. So every admitted removal of an owner is
// first recorded in one Lease per account, written with the
// resourceVersion it was read at. Concurrent removals then take turns (the
// API server lets one write win), and the later one counts the earlier
// one's owner as gone even before the API server has stored that change.
//
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=create
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,resourceNames=tenantry-owner-removals,verbs=get;update

const (
	// OwnerRemovalsLease is the Lease, in each account's namespace, that
	// records the owner removals admitted last.
	OwnerRemovalsLease = "tenantry-owner-removals"
	// OwnerRemovalsAnnotation holds the record, as JSON, on that Lease.
	OwnerRemovalsAnnotation = "iam.tenantry.io/owner-removals"
	// removalWindow is how long an admitted removal counts on its own. The
	// API server stores an admitted change within milliseconds; after
	// that, the user itself shows the removal. A removal that was admitted
	// but then failed only makes the rule stricter for this long.
	removalWindow = 30 * time.Second
)

// ownerRemoval is one admitted removal: the owner as it was when admitted.
type ownerRemoval struct {
	// ResourceVersion of the user when the removal was admitted. Once the
	// user has another, the change (or a later one) has been stored and the
	// user speaks for itself.
	ResourceVersion string      `json:"resourceVersion"`
	Expires         metav1.Time `json:"expires"`
}

// ownerRemovals is the record, by user name.
type ownerRemovals map[string]ownerRemoval

// pending says whether an admitted removal of the user may not have been
// stored yet, so that the user must not count as an owner.
func (r ownerRemovals) pending(user *metav1.ObjectMeta, now time.Time) bool {
	removal, ok := r[user.Name]
	return ok && removal.ResourceVersion == user.ResourceVersion && now.Before(removal.Expires.Time)
}

// with returns the record with the removal of user added and expired
// entries dropped, so that it stays as small as the account's recent past.
func (r ownerRemovals) with(user *metav1.ObjectMeta, now time.Time) ownerRemovals {
	next := ownerRemovals{}
	for name, removal := range r {
		if now.Before(removal.Expires.Time) {
			next[name] = removal
		}
	}
	next[user.Name] = ownerRemoval{ResourceVersion: user.ResourceVersion, Expires: metav1.NewTime(now.Add(removalWindow))}
	return next
}

// readOwnerRemovals reads an account's record past the cache; lease is nil
// when the account has none yet.
func readOwnerRemovals(ctx context.Context, reader client.Reader, namespace string) (lease *coordinationv1.Lease, record ownerRemovals, err error) {
	lease = &coordinationv1.Lease{}
	if err := reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: OwnerRemovalsLease}, lease); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, ownerRemovals{}, nil
		}
		return nil, nil, fmt.Errorf("read the owner removals of account %s: %w", namespace, err)
	}
	record = ownerRemovals{}
	if data := lease.Annotations[OwnerRemovalsAnnotation]; data != "" {
		// A record that cannot be read is replaced: it only ever narrows
		// the rule for a short while.
		_ = json.Unmarshal([]byte(data), &record)
	}
	return lease, record, nil
}

// writeOwnerRemovals stores the record: it creates the Lease, or updates
// it guarded by the resourceVersion it was read at. A Conflict or
// AlreadyExists error means another removal came first.
func writeOwnerRemovals(ctx context.Context, writer client.Writer, namespace string, lease *coordinationv1.Lease, record ownerRemovals) error {
	data, err := json.Marshal(record)
	if err != nil {
		return err
	}
	if lease == nil {
		lease = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{
			Namespace: namespace, Name: OwnerRemovalsLease,
			Labels: map[string]string{iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy},
		}}
		lease.Annotations = map[string]string{OwnerRemovalsAnnotation: string(data)}
		return writer.Create(ctx, lease)
	}
	if lease.Annotations == nil {
		lease.Annotations = map[string]string{}
	}
	lease.Annotations[OwnerRemovalsAnnotation] = string(data)
	return writer.Update(ctx, lease)
}
