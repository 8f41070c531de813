// Command manager runs the Tenantry operator: the User, Role and ledger
// controllers, the admission webhooks, the self-service API, and the
// metrics and health endpoints, all assembled by internal/operator. Run with
// -h for its flags.
package main

import (
	"flag"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/tenantry-io/tenantry/internal/operator"
)

func main() {
	opts := operator.DefaultOptions()
	opts.BindFlags(flag.CommandLine)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")

	mgr, err := operator.New(ctrl.GetConfigOrDie(), opts)
	if err != nil {
		log.Error(err, "cannot set up the manager")
		os.Exit(1)
	}
	log.Info("starting manager", "selfService", opts.SelfServiceAddr, "smtp", opts.SMTP.Host, "acceptURL", opts.Invitation.AcceptURL)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "manager stopped with an error")
		os.Exit(1)
	}
}
