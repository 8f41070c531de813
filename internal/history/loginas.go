package history

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// EventImpersonationEnded is the reason of the event on a User whose "log
// in as" session ended.
const EventImpersonationEnded = "ImpersonationEnded"

// Why a "log in as" session ended, as its record and event say.
const (
	EndLoggedOut    = "logged out"
	EndExpired      = "the session expired"
	EndActorSession = "the actor's own session ended"
	EndActorRight   = "the actor may no longer act as this user"
	EndTargetOut    = "the user's sessions were ended"
)

// LogInAsEnd is the end of one "log in as" session of target.
type LogInAsEnd struct {
	// SessionHash is the token hash of the session that ended; it names
	// the record, so filing the same end twice makes one record.
	SessionHash string
	// ActorUser, ActorUID and ActorEmail name who acted as the user.
	ActorUser, ActorUID, ActorEmail string
	// Why is one of the End... reasons, or EndTargetOut with its cause.
	Why  string
	Time time.Time
}

// FileLogInAsEnd records the end of a "log in as" session in target's
// history and, when this call filed it, as an event: the self-service API
// (on a logout, or when a use finds the session ended) and the User
// controller (when it ends sessions, or sweeps expired ones) may both see
// the same end, and the record's name makes it once.
func FileLogInAsEnd(ctx context.Context, c client.Writer, recorder events.EventRecorder, target *iamv1alpha1.User, end LogInAsEnd) error {
	e := Entry{
		Time:      metav1.NewMicroTime(end.Time.UTC()),
		Action:    iamv1alpha1.ChangeLogInAsEnded,
		Requester: iamv1alpha1.Requester{Username: end.ActorEmail, UID: end.ActorUID},
		Summary:   fmt.Sprintf("%s (%s) stopped acting as %s: %s", end.ActorUser, end.ActorEmail, target.Name, end.Why),
	}
	record := Record(target, OutOfSequenceName(target, "loginas-end", end.SessionHash), e)
	err := c.Create(ctx, record)
	switch {
	case client.IgnoreAlreadyExists(err) != nil:
		return fmt.Errorf("record that %s stopped acting as %s: %w", end.ActorUser, target.Name, err)
	case err != nil:
		return nil // filed already, with its event
	}
	if recorder != nil {
		recorder.Eventf(target, nil, corev1.EventTypeNormal, EventImpersonationEnded, "Impersonate",
			"%s (%s) stopped acting as this user: %s", end.ActorUser, end.ActorEmail, end.Why)
	}
	return nil
}
