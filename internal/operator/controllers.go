package operator

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/controllers/historypruner"
	"github.com/tenantry-io/tenantry/controllers/ledger"
	"github.com/tenantry-io/tenantry/controllers/role"
	"github.com/tenantry-io/tenantry/controllers/services"
	"github.com/tenantry-io/tenantry/controllers/team"
	"github.com/tenantry-io/tenantry/controllers/user"
	tmail "github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/metrics"
	"github.com/tenantry-io/tenantry/internal/rbac"
	"github.com/tenantry-io/tenantry/internal/reconcile"
	tservices "github.com/tenantry-io/tenantry/internal/services"
)

// setupControllers builds every reconciler and registers it the same way:
// its dependencies, its own event recorder, and its own number of workers.
func setupControllers(mgr ctrl.Manager, o Options) error {
	users, err := newUserReconciler(mgr, o)
	if err != nil {
		return err
	}
	if users.Services, err = serviceSettings(mgr, o); err != nil {
		return err
	}
	classes := &services.ServiceClassReconciler{Client: mgr.GetClient(), Mapper: mgr.GetRESTMapper()}
	roles := &role.Reconciler{
		Client:       mgr.GetClient(),
		APIReader:    mgr.GetAPIReader(),
		Recorder:     mgr.GetEventRecorder("tenantry-role-controller"),
		GrantCeiling: o.Roles.GrantCeiling,
	}
	ledgers := &ledger.Reconciler{
		Client:          mgr.GetClient(),
		APIReader:       mgr.GetAPIReader(),
		Recorder:        mgr.GetEventRecorder("tenantry-ledger"),
		DefaultCurrency: o.DefaultCurrency,
		UserGrace:       o.TransactionUserGrace,
		Clock:           o.Clock,
	}
	subscriptions := &services.SubscriptionReconciler{
		Client:      mgr.GetClient(),
		Recorder:    mgr.GetEventRecorder("tenantry-subscription-controller"),
		Clock:       o.Clock,
		SeatObjects: &tservices.SeatObjects{Reader: mgr.GetAPIReader(), Classes: mgr.GetClient(), Mapper: mgr.GetRESTMapper()},
	}
	teams := &team.Reconciler{
		Client:   mgr.GetClient(),
		Recorder: mgr.GetEventRecorder("tenantry-team-controller"),
		Identity: rbac.Identity{Kind: o.Identity.Kind, Prefix: o.Identity.Prefix},
	}
	pruner := &historypruner.Pruner{
		Reader: mgr.GetAPIReader(), Writer: mgr.GetClient(),
		Retention: o.Records.HistoryRetention, Interval: o.Records.HistoryPruneInterval, Clock: o.Clock,
	}
	if err := mgr.Add(leaderOnly{"history pruner", pruner}); err != nil {
		return fmt.Errorf("add the history pruner: %w", err)
	}
	// Every controller gets the workers of its own --max-concurrent-* flag.
	for _, c := range []struct {
		name    string
		workers int
		setup   func(ctrl.Manager, controller.Options) error
	}{
		{"user", o.Concurrency.Users, users.SetupWithManager},
		{"role", o.Concurrency.Roles, roles.SetupWithManager},
		{"ledger", o.Concurrency.Ledgers, ledgers.SetupWithManager},
		{"subscription", o.Concurrency.Subscriptions, subscriptions.SetupWithManager},
		{"team", o.Concurrency.Teams, teams.SetupWithManager},
		{"service class", o.Concurrency.ServiceClasses, classes.SetupWithManager},
	} {
		if err := c.setup(mgr, controller.Options{MaxConcurrentReconciles: c.workers}); err != nil {
			return fmt.Errorf("set up %s controller: %w", c.name, err)
		}
	}
	return nil
}

// serviceSettings gives the User controller a cache of its own for service
// objects. Their kinds are only known at run time, and the manager's cache
// would watch every object of such a kind (every ConfigMap of the cluster);
// this one watches only objects labelled with a service class, whatever
// their kind.
func serviceSettings(mgr ctrl.Manager, o Options) (user.ServiceSettings, error) {
	servicesCache, err := cache.New(mgr.GetConfig(), cache.Options{
		HTTPClient:           mgr.GetHTTPClient(),
		Scheme:               mgr.GetScheme(),
		Mapper:               mgr.GetRESTMapper(),
		DefaultLabelSelector: hasLabel(iamv1alpha1.ServiceClassLabel),
		DefaultTransform:     cache.TransformStripManagedFields(),
	})
	if err != nil {
		return user.ServiceSettings{}, fmt.Errorf("create the service objects cache: %w", err)
	}
	if err := mgr.Add(servicesCache); err != nil {
		return user.ServiceSettings{}, fmt.Errorf("add the service objects cache: %w", err)
	}
	return user.ServiceSettings{Cache: servicesCache, Mapper: mgr.GetRESTMapper(), RemovalTimeout: o.ServiceRemovalTimeout}, nil
}

// newUserReconciler builds the User controller with its SMTP sender and
// email templates.
func newUserReconciler(mgr ctrl.Manager, o Options) (*user.Reconciler, error) {
	tlsMode, _ := tmail.ParseTLSMode(o.SMTP.TLS) // validated in New
	sender, err := tmail.NewSMTPSender(tmail.Config{
		Host: o.SMTP.Host, Port: o.SMTP.Port, TLS: tlsMode, From: o.SMTP.From,
		Timeout: o.SMTP.Timeout, Credentials: secretCredentials(mgr.GetAPIReader(), o.SMTP.CredentialsSecret),
	})
	if err != nil {
		return nil, fmt.Errorf("configure SMTP: %w", err)
	}
	templates := tmail.DefaultTemplates()
	if o.Invitation.TemplateDir != "" {
		if templates, err = tmail.LoadTemplates(o.Invitation.TemplateDir); err != nil {
			return nil, fmt.Errorf("--invitation-template-dir: %w", err)
		}
	}
	resetTemplates, err := tmail.LoadPasswordResetTemplates(o.SignIn.ResetTemplateDir)
	if err != nil {
		return nil, fmt.Errorf("--password-reset-template-dir: %w", err)
	}
	return &user.Reconciler{
		Clock:       o.Clock,
		Client:      mgr.GetClient(),
		APIReader:   mgr.GetAPIReader(),
		Recorder:    mgr.GetEventRecorder("tenantry-user-controller"),
		Mailer:      metrics.TimeSends(sender),
		Templates:   templates,
		SendLimiter: rate.NewLimiter(rate.Limit(o.SMTP.Rate), o.SMTP.Burst),
		Invitations: user.InvitationSettings{
			TTL:              o.Invitation.TTL,
			AcceptURL:        o.Invitation.AcceptURL,
			MessageIDDomain:  messageIDDomain(o.SMTP.From),
			Backoff:          reconcile.Backoff{Base: o.Invitation.RetryBase, Max: o.Invitation.RetryMax},
			UnconfirmedGrace: o.Invitation.UnconfirmedGrace,
		},
		PasswordResets: user.PasswordResetSettings{
			TTL: o.SignIn.ResetTTL, URL: o.SignIn.ResetURL, Templates: resetTemplates,
		},
		Identity:          rbac.Identity{Kind: o.Identity.Kind, Prefix: o.Identity.Prefix},
		DefaultCurrency:   o.DefaultCurrency,
		History:           user.HistorySettings{Limit: o.Records.HistoryLimit},
		DeletionRetention: o.Records.DeletionRetention,
		// Where the credential Secrets live: the operator's namespace.
		CredentialsNamespace: o.CredentialsNamespace,
	}, nil
}

// secretCredentials reads the SMTP login from a Secret at every connection,
// so a rotated password takes effect without a restart. The read goes past
// the cache, which holds only credential Secrets.
func secretCredentials(reader client.Reader, ref string) tmail.CredentialsSource {
	if ref == "" {
		return nil
	}
	namespace, name, _ := strings.Cut(ref, "/")
	return func(ctx context.Context) (tmail.Credentials, error) {
		secret := &corev1.Secret{}
		if err := reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, secret); err != nil {
			return tmail.Credentials{}, fmt.Errorf("read SMTP credentials secret %s: %w", ref, err)
		}
		return tmail.Credentials{Username: string(secret.Data["username"]), Password: string(secret.Data["password"])}, nil
	}
}

// messageIDDomain takes the domain of the From address, as mail systems
// expect of a Message-ID.
func messageIDDomain(from string) string {
	if addr, err := mail.ParseAddress(from); err == nil {
		if _, domain, ok := strings.Cut(addr.Address, "@"); ok && domain != "" {
			return domain
		}
	}
	return "tenantry.io"
}
