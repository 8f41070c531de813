package selfservice

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/history"
)

// recordLogInAs files a "log in as" in the target's history before its
// session exists, so that no such session goes unrecorded; the requester is
// the actor as their own session authenticated them. sessionHash names the
// record, so a retry files it once.
func (s *Server) recordLogInAs(ctx context.Context, a *authenticated, target *iamv1alpha1.User, sessionHash string, expiry time.Time) (*iamv1alpha1.UserChange, error) {
	e := history.Entry{
		Time:      metav1.NewMicroTime(s.Clock.Now().UTC()),
		Action:    iamv1alpha1.ChangeLoggedInAs,
		Requester: iamv1alpha1.Requester{Username: a.user.Spec.Email, UID: string(a.user.UID)},
		Summary: fmt.Sprintf("%s (%s) acts as %s until %s", a.user.Name, a.user.Spec.Email, target.Name,
			expiry.UTC().Format(time.RFC3339)),
	}
	record := history.Record(target, history.OutOfSequenceName(target, "loginas", sessionHash), e)
	if err := s.Client.Create(ctx, record); client.IgnoreAlreadyExists(err) != nil {
		return nil, fmt.Errorf("record that %s logs in as %s: %w", a.user.Name, target.Name, err)
	}
	return record, nil
}

// forgetLogInAs removes the record of a "log in as" whose session could not
// be started after all.
func (s *Server) forgetLogInAs(ctx context.Context, record *iamv1alpha1.UserChange) {
	_ = client.IgnoreNotFound(s.Client.Delete(ctx, record))
}
