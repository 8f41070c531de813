package operator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/open-policy-agent/cert-controller/pkg/rotator"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	tenantrywebhook "github.com/tenantry-io/tenantry/internal/webhook"
)

// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=mutatingwebhookconfigurations;validatingwebhookconfigurations,verbs=get;list;watch;update;patch

func webhookServer(o Options) webhook.Server {
	return webhook.NewServer(webhook.Options{Host: o.Webhook.Host, Port: o.Webhook.Port, CertDir: o.Webhook.CertDir})
}

// setupWebhooks registers the User, BalanceTransaction and Role webhooks. With a certificate from files
// they are served from the start; with a self-issued one, only once the
// rotator has written it and injected its CA, since the server cannot start
// without it.
func setupWebhooks(mgr ctrl.Manager, o Options) error {
	if o.Webhook.Disabled {
		return nil
	}
	hooks := &tenantrywebhook.UserWebhook{
		Reader:        mgr.GetAPIReader(),
		Cache:         mgr.GetClient(),
		Writer:        mgr.GetClient(),
		FirstUserRole: o.Roles.FirstUser,
		DefaultRole:   o.Roles.Default,
		Clock:         o.Clock,
	}
	transactions := &tenantrywebhook.BalanceTransactionValidator{
		Reader:    mgr.GetAPIReader(),
		Writer:    mgr.GetClient(),
		UserGrace: o.TransactionUserGrace,
		Clock:     o.Clock,
	}
	roles := &tenantrywebhook.RoleWarner{Reader: mgr.GetClient(), GrantCeiling: o.Roles.GrantCeiling}
	if o.Webhook.Certs == WebhookCertsFiles {
		if err := tenantrywebhook.SetupWithManager(mgr, hooks, transactions, roles); err != nil {
			return fmt.Errorf("set up webhooks: %w", err)
		}
		return mgr.AddReadyzCheck("webhook", mgr.GetWebhookServer().StartedChecker())
	}

	secretNS, secretName, _ := strings.Cut(o.Webhook.CertSecret, "/")
	svcNS, svcName, _ := strings.Cut(o.Webhook.Service, "/")
	ready := make(chan struct{})
	err := rotator.AddRotator(mgr, &rotator.CertRotator{
		SecretKey:      types.NamespacedName{Namespace: secretNS, Name: secretName},
		CertDir:        o.Webhook.CertDir,
		CAName:         "tenantry-webhook-ca",
		CAOrganization: "tenantry",
		DNSName:        fmt.Sprintf("%s.%s.svc", svcName, svcNS),
		ExtraDNSNames:  append([]string{fmt.Sprintf("%s.%s.svc.cluster.local", svcName, svcNS)}, o.Webhook.ExtraDNSNames...),
		IsReady:        ready,
		// One rotator per Secret, and named for it: controller names are
		// unique within a process.
		ControllerName: fmt.Sprintf("webhook-cert-%s-%s", secretNS, secretName),
		Webhooks: []rotator.WebhookInfo{
			{Name: o.Webhook.MutatingConfig, Type: rotator.Mutating},
			{Name: o.Webhook.ValidatingConfig, Type: rotator.Validating},
		},
		// Every replica serves webhooks, so every replica needs the
		// certificate, leader or not.
		RequireLeaderElection: false,
	})
	if err != nil {
		return fmt.Errorf("set up the webhook certificate rotator: %w", err)
	}
	if err := mgr.Add(everyReplica{"webhook registration", &afterCertificate{ready: ready, register: func() error {
		return tenantrywebhook.SetupWithManager(mgr, hooks, transactions, roles)
	}}}); err != nil {
		return err
	}
	// The Service sends admission requests to every Ready replica: a
	// replica is Ready only once its certificate is in place and its
	// webhook server answers.
	return mgr.AddReadyzCheck("webhook", func(req *http.Request) error {
		select {
		case <-ready:
			return mgr.GetWebhookServer().StartedChecker()(req)
		default:
			return errors.New("the webhook certificate is not in place yet")
		}
	})
}

// afterCertificate registers the webhooks once the certificate is in
// place; registering adds the webhook server to the running manager.
type afterCertificate struct {
	ready    <-chan struct{}
	register func() error
}

func (a *afterCertificate) Start(ctx context.Context) error {
	select {
	case <-a.ready:
		if err := a.register(); err != nil {
			return fmt.Errorf("set up webhooks: %w", err)
		}
		<-ctx.Done()
		return nil
	case <-ctx.Done():
		return nil
	}
}
