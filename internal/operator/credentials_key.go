package operator

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

// credentialsKeyTimeout bounds the wait for the API server at start.
const credentialsKeyTimeout = 30 * time.Second

// loadCredentialsKey reads the key TOTP secrets are sealed with, creating
// it on the first start. It is read before anything runs, past the cache
// (which holds credential Secrets only), so no login or enrolment can meet
// a cipher without its key; a manager that cannot read it does not start.
func loadCredentialsKey(mgr ctrl.Manager, o Options) (*credentials.Cipher, error) {
	ctx, cancel := context.WithTimeout(context.Background(), credentialsKeyTimeout)
	defer cancel()
	key := client.ObjectKey{Namespace: o.CredentialsNamespace, Name: credentials.KeySecretName}
	sealing := &credentials.Cipher{}
	var lastErr error
	err := wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
		lastErr = credentials.LoadKeys(ctx, mgr.GetAPIReader(), mgr.GetClient(), key, sealing)
		return lastErr == nil, nil
	})
	if err != nil {
		if lastErr == nil {
			lastErr = err
		}
		return nil, fmt.Errorf("load the credentials key: %w", lastErr)
	}
	return sealing, nil
}
