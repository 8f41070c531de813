package operator

import (
	"flag"

	"sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// FlagGroup is one group of the manager's flags: a heading, a line saying
// what the group is for, and the function that binds its flags. The
// manager's --help and the configuration reference (docs/reference,
// written by hack/gendocs) are both built from FlagGroups, so that one
// cannot list a flag the other lacks.
type FlagGroup struct {
	Name        string
	Description string
	Bind        func(fs *flag.FlagSet)
}

// FlagGroups are every flag of the manager, group by group: the options
// groups of o, then zapOpts' logging flags and controller-runtime's
// --kubeconfig. Each binds into o or zapOpts with their values as defaults.
func FlagGroups(o *Options, zapOpts *zap.Options) []FlagGroup {
	return append(o.optionGroups(),
		FlagGroup{"Logging", "How the manager logs (controller-runtime's zap options).", zapOpts.BindFlags},
		FlagGroup{"Cluster connection", "Which API server the manager talks to when it runs outside a cluster.", config.RegisterFlags},
	)
}

// NewFlagSet is the manager's command line: every flag of FlagGroups in
// one set. It leaves flag.CommandLine alone, so that a flag some package
// registers there on its own cannot appear in --help without appearing in
// the reference.
func NewFlagSet(name string, o *Options, zapOpts *zap.Options) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	for _, g := range FlagGroups(o, zapOpts) {
		g.Bind(fs)
	}
	return fs
}

// optionGroups are the operator's own flags, group by group, in the order
// the configuration reference lists them.
func (o *Options) optionGroups() []FlagGroup {
	return []FlagGroup{
		{"Serving", "Where the manager serves metrics, health and the self-service API, and where it keeps credentials.", o.bindServingFlags},
		{"Leader election", "Which replica reconciles, and how soon another takes over when it dies (docs/operations/high-availability.md).", o.LeaderElection.BindFlags},
		{"Concurrency", "How many objects each controller reconciles at once.", o.Concurrency.BindFlags},
		{"SMTP", "How emails leave: the SMTP server, its credentials, and how fast invitations may go.", o.SMTP.BindFlags},
		{"Invitations", "The link in invitation emails, how long it works, and how failed deliveries are retried.", o.Invitation.BindFlags},
		{"Sign-in", "Logins, lockouts, sessions, two-factor and password resets in the self-service API.", o.SignIn.BindFlags},
		{"Cluster tokens", "Tenantry as an OpenID Connect issuer of tokens the API server trusts (off unless --issuer-url is set).", o.Tokens.BindFlags},
		{"Console", "The account console the self-service server serves at /console/, acting as the signed-in person (docs/guides/console.md).", o.Console.BindFlags},
		{"Roles", "The roles users get when they name none, and the ceiling of what Roles may grant.", o.Roles.BindFlags},
		{"Identity", "How the cluster's authenticator names the person behind a User, which RoleBindings follow.", o.Identity.BindFlags},
		{"Admission webhooks", "How the admission webhooks are served and where their certificate comes from.", o.Webhook.BindFlags},
		{"Balances and services", "The ledger's default currency and waits, and how long a user's service objects may take to go.", o.bindAccountFlags},
		{"Records", "How long change history and soft-deleted users are kept.", o.Records.BindFlags},
	}
}
