package operator

import (
	"flag"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/tenantry-io/tenantry/internal/console"
)

// ConsoleOptions turn the account console on or off. The console acts as
// the signed-in person with the cluster tokens of Tenantry's issuer, so it
// serves only when the manager issues them (--issuer-url).
type ConsoleOptions struct {
	// Enabled serves the console at /console/ of the self-service server.
	Enabled bool
}

// defaultConsoleOptions serve the console wherever tokens are issued: it
// costs nothing until someone signs in, and a cluster whose API server
// does not trust the issuer gets a console that says so.
func defaultConsoleOptions() ConsoleOptions {
	return ConsoleOptions{Enabled: true}
}

// BindFlags registers the console's flag, with c's value as default.
func (c *ConsoleOptions) BindFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.Enabled, "console", c.Enabled, "Serve the account console at /console/ of the self-service server, acting as the signed-in person with Tenantry's cluster tokens: it needs --issuer-url (without it the console is off) and an API server that trusts that issuer (docs/guides/console.md).")
}

// ConsoleServed says whether the manager serves the console: asked for,
// and with an issuer to act as the person with.
func (o Options) ConsoleServed() bool {
	return o.Console.Enabled && o.Tokens.Enabled()
}

// newConsole builds the account console over the manager's connection to
// the API server, without its credentials: the console adds the person's
// token to every request, and never sends the manager's.
func newConsole(mgr ctrl.Manager, sessions console.Sessions, o Options) *console.Console {
	return console.New(console.Options{
		Sessions:   sessions,
		Config:     rest.AnonymousClientConfig(mgr.GetConfig()),
		Scheme:     mgr.GetScheme(),
		RESTMapper: mgr.GetRESTMapper(),
		Clock:      o.Clock,
		Log:        mgr.GetLogger().WithName("console"),
	})
}
