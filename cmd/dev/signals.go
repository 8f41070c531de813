package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// stopOnSignal returns a context that ends at the first SIGINT or SIGTERM.
// Unlike ctrl.SetupSignalHandler, a second signal does not exit at once:
// envtest starts etcd and kube-apiserver in their own process group, so
// they do not get the terminal's Ctrl-C, and exiting before stopping them
// would leave them running.
func stopOnSignal() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-signals; !ok {
			return
		}
		say("\nStopping (this takes a few seconds)...")
		cancel()
		for range signals {
			say("Still stopping the control plane; please wait.")
		}
	}()
	return ctx, func() {
		// After Stop no more signals arrive, so closing is safe; it ends
		// the goroutine above.
		signal.Stop(signals)
		close(signals)
		cancel()
	}
}
