// Command manager runs the Tenantry operator: one controller per kind, the
// admission webhooks, the self-service API, and the metrics and health
// endpoints, all assembled by internal/operator. Run with -h for its flags;
// docs/reference/configuration.md lists them by group.
package main

import (
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/version"
)

func main() {
	opts := operator.DefaultOptions()
	zapOpts := zap.Options{}
	// The configuration reference is generated from the same flag set, so
	// every flag --help shows is documented.
	fs := operator.NewFlagSet(os.Args[0], &opts, &zapOpts)
	_ = fs.Parse(os.Args[1:]) // the set exits on a bad flag
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")
	build := version.Get()
	log.Info("Tenantry manager", "version", build.Version, "revision", build.Revision, "go", build.GoVersion)

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
