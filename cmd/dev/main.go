// Command tenantry-dev is the one-command local environment behind
// `make dev`: a control plane built from source, a mail catcher that drops
// every email into .dev/mail, and the operator itself, with the samples
// applied. It needs no cluster and no mail server. Ctrl-C stops it all.
//
// `tenantry-dev mail-token <email>` prints the token of the link in the
// newest mail to <email> in .dev/mail, for walkthroughs that accept an
// invitation or a reset with curl.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/tenantry-io/tenantry/internal/operator"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "tenantry-dev: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == mailTokenCommand {
		return printMailToken(os.Stdout, args[1:])
	}
	flags, err := parseFlags(args)
	if err != nil {
		return err
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&flags.zap)))

	if err := checkPortsFree(flags.operator); err != nil {
		return err
	}
	ws, err := newWorkspace()
	if err != nil {
		return err
	}
	ctx, stop := stopOnSignal()
	defer stop()

	catcher, err := startMailCatcher(&flags.operator, flags.explicit, ws.mailDir)
	if err != nil {
		return err
	}
	defer catcher.stop()

	access, issuer, err := prepareTokens(&flags.operator, flags.explicit, ws)
	if err != nil {
		return err
	}
	say("Starting the control plane (etcd, kube-apiserver and kube-controller-manager from %s)...", ws.assets)
	cp, err := startControlPlane(ctx, ws, issuer)
	if err != nil {
		return err
	}
	defer cp.stop()
	if err := createSystemNamespace(ctx, cp.cfg, ws.root); err != nil {
		return err
	}
	cp.serveWebhooksLocally(&flags.operator)

	mgr, err := operator.New(cp.cfg, flags.operator)
	if err != nil {
		return fmt.Errorf("set up the operator: %w", err)
	}
	return serve(ctx, mgr, func(ctx context.Context) {
		applySamples(ctx, ws)
		printBanner(os.Stdout, ws, flags.operator, catcher, access)
		go catcher.announceInvitations(ctx, access)
	})
}

// serve runs the manager until ctx ends or the manager fails. ready runs
// once the manager's cache has synced, so that what it applies is seen by
// a running controller. serve always waits for the manager to stop, so
// the control plane is never pulled from under it.
func serve(ctx context.Context, mgr ctrl.Manager, ready func(context.Context)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()

	// A manager that fails to start never syncs its cache, so the wait
	// must also end when the manager does.
	synced := make(chan bool, 1)
	go func() { synced <- mgr.GetCache().WaitForCacheSync(ctx) }()
	select {
	case err := <-done:
		return managerStopped(err)
	case ok := <-synced:
		if ok {
			ready(ctx)
		}
	}

	select {
	case err := <-done:
		return managerStopped(err)
	case <-ctx.Done():
		say("Stopping the operator...")
		return managerStopped(<-done)
	}
}

func managerStopped(err error) error {
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("the operator stopped: %w", err)
	}
	say("Stopped the operator.")
	return nil
}

// say prints a progress line for the person at the terminal; logs go to
// stderr, these to stdout, so the two can be told apart or split.
func say(format string, args ...any) {
	fmt.Printf(format+"\n", args...)
}
