package operator

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	goruntime "runtime"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/history"
	"github.com/tenantry-io/tenantry/internal/index"
	"github.com/tenantry-io/tenantry/internal/metrics"
	"github.com/tenantry-io/tenantry/internal/selfservice"
)

// Scheme holds the kinds the manager reads and writes.
func Scheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := iamv1alpha1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	return scheme
}

// New builds a manager with everything registered; Start runs it.
func New(cfg *rest.Config, o Options) (ctrl.Manager, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	mgr, err := ctrl.NewManager(cfg, managerOptions(o))
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	if err := assemble(mgr, o); err != nil {
		return nil, err
	}
	return mgr, nil
}

// assemble registers everything the manager runs: the indexes, the
// controllers, the webhooks, the self-service API and the health checks.
func assemble(mgr ctrl.Manager, o Options) error {
	if err := index.AddDefaultIndexes(context.Background(), mgr); err != nil {
		return err
	}
	if err := setupControllers(mgr, o); err != nil {
		return err
	}
	if err := setupWebhooks(mgr, o); err != nil {
		return err
	}

	sealing, err := loadCredentialsKey(mgr, o)
	if err != nil {
		return err
	}
	selfService := newSelfService(mgr, o)
	selfService.Cipher = sealing
	if o.Tokens.Enabled() {
		if selfService.Tokens, err = newIssuer(mgr, o); err != nil {
			return err
		}
	}
	if o.ConsoleServed() {
		selfService.Console = newConsole(mgr, selfService, o)
	}
	tlsConfig, err := selfServiceTLS(mgr, o.SelfServiceTLS)
	if err != nil {
		return err
	}
	selfServiceHTTP := newHTTPServer(o.SelfServiceAddr, selfService.Handler(), tlsConfig)
	if err := mgr.Add(everyReplica{"self-service API", selfServiceHTTP}); err != nil {
		return fmt.Errorf("add self-service API: %w", err)
	}
	if err := mgr.AddReadyzCheck("selfservice", selfServiceHTTP.ready); err != nil {
		return err
	}
	if err := mgr.Add(everyReplica{"metrics from the cache", metrics.ReadCache(mgr)}); err != nil {
		return fmt.Errorf("add metrics from the cache: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("cache", func(req *http.Request) error {
		if !mgr.GetCache().WaitForCacheSync(req.Context()) {
			return errors.New("cache not synced")
		}
		return nil
	}); err != nil {
		return err
	}
	return nil
}

// shutdownMargin is the time a stopping manager allows beyond one SMTP
// conversation: recording its outcome and stepping down as leader.
const shutdownMargin = 15 * time.Second

func managerOptions(o Options) ctrl.Options {
	// Only credential Secrets are cached, and only in the credentials
	// namespace: the manager never lists, watches or holds the rest of the
	// cluster's Secrets (its RBAC for Secrets is a Role in that namespace). Likewise only the RBAC objects it
	// rendered: a cluster has many ClusterRoles and RoleBindings of its own.
	credentialSecrets := hasLabel(iamv1alpha1.UserLabel)
	managedByTenantry := labels.SelectorFromSet(labels.Set{iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy})

	return ctrl.Options{
		Scheme:                  Scheme(),
		Metrics:                 metricsServer(o),
		HealthProbeBindAddress:  o.ProbeAddr,
		LeaderElection:          o.LeaderElection.Enabled,
		LeaderElectionID:        leaseName,
		LeaderElectionNamespace: o.LeaderElection.Namespace,
		LeaseDuration:           ptr.To(o.LeaderElection.LeaseDuration),
		RenewDeadline:           ptr.To(o.LeaderElection.RenewDeadline),
		RetryPeriod:             ptr.To(o.LeaderElection.RetryPeriod),
		// The manager steps down cleanly, so a successor takes over at once.
		LeaderElectionReleaseOnCancel: true,
		// On a stop, an invitation being sent is finished and its outcome
		// recorded (the send ignores the stop, bounded by the SMTP timeout):
		// give running reconciles that long before the manager gives up.
		GracefulShutdownTimeout: ptr.To(o.SMTP.Timeout + shutdownMargin),
		Cache: cache.Options{
			ByObject: map[client.Object]cache.ByObject{
				&corev1.Secret{}: {Label: credentialSecrets, Namespaces: map[string]cache.Config{o.CredentialsNamespace: {}}},
				// Rendered from Roles, and the grant ceiling.
				&rbacv1.ClusterRole{}: {Label: managedByTenantry},
				// Users' and teams' bindings.
				&rbacv1.RoleBinding{}:             {Label: managedByTenantry},
				&iamv1alpha1.User{}:               {Transform: trimUser},
				&iamv1alpha1.BalanceTransaction{}: {Transform: trimAppliedCopy},
			},
			DefaultTransform: cache.TransformStripManagedFields(),
		},
		Controller:    config.Controller{SkipNameValidation: ptr.To(o.SkipNameValidation)},
		WebhookServer: webhookServer(o),
	}
}

// trimAppliedCopy drops, from the cached copy of a kind the manager only
// ever patches, what no controller reads: managed fields, and the copy of
// the whole object that `kubectl apply` keeps in an annotation, which
// doubles the size of every user and transaction applied that way. A patch
// names only what it changes, so what the cache lacks is never written
// back; kinds the manager updates whole (Secrets, RBAC) keep theirs.
func trimAppliedCopy(obj any) (any, error) {
	if o, ok := obj.(metav1.Object); ok {
		o.SetManagedFields(nil)
		if annotations := o.GetAnnotations(); annotations[corev1.LastAppliedConfigAnnotation] != "" {
			trimmed := maps.Clone(annotations)
			delete(trimmed, corev1.LastAppliedConfigAnnotation)
			o.SetAnnotations(trimmed)
		}
	}
	return obj, nil
}

// trimUser is trimAppliedCopy for a User, which also drops from the cached
// copy the pending changes the operator has filed already: only those
// after status.history.filedSequence are ever read, and the one that stays
// on a settled user (its last change) would otherwise be cached for good.
func trimUser(obj any) (any, error) {
	obj, err := trimAppliedCopy(obj)
	if user, ok := obj.(*iamv1alpha1.User); ok && err == nil && history.AllFiled(user) {
		if raw := user.Annotations[iamv1alpha1.PendingChangesAnnotation]; raw != "" {
			trimmed := maps.Clone(user.Annotations)
			delete(trimmed, iamv1alpha1.PendingChangesAnnotation)
			user.Annotations = trimmed
		}
	}
	return obj, err
}

func hasLabel(key string) labels.Selector {
	req, err := labels.NewRequirement(key, selection.Exists, nil)
	if err != nil {
		panic(err)
	}
	return labels.NewSelector().Add(*req)
}

// httpServer runs an HTTP server for as long as the manager runs. Added as
// everyReplica, it serves on every replica, not only the leader: accepting
// an invitation only writes a Secret that the leader then notices. With
// tlsConfig it serves https.
type httpServer struct {
	addr      string
	handler   http.Handler
	tlsConfig *tls.Config
	// listening is true while the listener is open: the replica is Ready
	// only then, so a Service never sends a sign-in to a replica that
	// cannot take it.
	listening atomic.Bool
}

func newHTTPServer(addr string, handler http.Handler, tlsConfig *tls.Config) *httpServer {
	return &httpServer{addr: addr, handler: handler, tlsConfig: tlsConfig}
}

// Start serves until ctx ends, then shuts down gracefully.
func (s *httpServer) Start(ctx context.Context) error {
	// Slow clients cannot hold connections: a request has a bounded
	// time to arrive, its answer to leave, and an idle connection closes.
	srv := &http.Server{
		Addr: s.addr, Handler: s.handler,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: selfServiceReadTimeout,
		WriteTimeout: selfServiceWriteTimeout, IdleTimeout: selfServiceIdleTimeout,
		MaxHeaderBytes: 16 << 10, TLSConfig: s.tlsConfig,
	}
	listener, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.addr, err)
	}
	s.listening.Store(true)
	defer s.listening.Store(false)
	errc := make(chan error, 1)
	go func() {
		if s.tlsConfig != nil {
			// The certificate comes from tlsConfig, not from files here.
			errc <- srv.ServeTLS(listener, "", "")
			return
		}
		errc <- srv.Serve(listener)
	}()
	select {
	case <-ctx.Done():
		s.listening.Store(false)
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	case err := <-errc:
		return err
	}
}

// ready is the replica's readiness check of the self-service API.
func (s *httpServer) ready(*http.Request) error {
	if !s.listening.Load() {
		return fmt.Errorf("the self-service API is not listening on %s", s.addr)
	}
	return nil
}

// Timeouts of the self-service HTTP server. A request body is at most 16
// KiB; the write timeout leaves room for a login queued behind others for
// a password hash.
const (
	selfServiceReadTimeout  = 15 * time.Second
	selfServiceWriteTimeout = 30 * time.Second
	selfServiceIdleTimeout  = 60 * time.Second
)

// newSelfService builds the self-service API with the sign-in options.
func newSelfService(mgr ctrl.Manager, o Options) *selfservice.Server {
	si := o.SignIn
	return &selfservice.Server{
		Client:               mgr.GetClient(),
		APIReader:            mgr.GetAPIReader(),
		Clock:                o.Clock,
		CredentialsNamespace: o.CredentialsNamespace,
		Lockout: selfservice.LockoutPolicy{
			Threshold: int32(min(si.LockoutThreshold, 1<<20)), Window: si.LockoutWindow, Duration: si.LockoutDuration,
		},
		SessionTTL:       si.SessionTTL,
		RequireTwoFactor: si.RequireTwoFactor,
		TOTPIssuer:       si.TOTPIssuer,
		Hashes:           si.HashGate(goruntime.GOMAXPROCS(0)),
		Limits:           selfservice.NewRateLimits(rate.Limit(si.LoginRate), si.LoginBurst, rate.Limit(si.ClientRate), si.ClientBurst),
		ImpersonationTTL: o.Tokens.ImpersonationTTL,
		Recorder:         mgr.GetEventRecorder("tenantry-selfservice"),
	}
}
