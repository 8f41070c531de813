package operator

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// recordingManager remembers every runnable added to the manager.
type recordingManager struct {
	ctrl.Manager
	added []manager.Runnable
}

func (r *recordingManager) Add(x manager.Runnable) error {
	r.added = append(r.added, x)
	return r.Manager.Add(x)
}

// TestEachRunnableSaysWhereItRuns assembles a manager with every optional
// part on (the issuer, the self-service certificate) and checks where
// each of its runnables runs: what a Service or the API server may send a
// request to on every replica, what must happen once only on the leader.
// A runnable added without saying so would run only on the leader; this
// test names it.
func TestEachRunnableSaysWhereItRuns(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run with `make test`, which builds kube-apiserver and etcd and sets it")
	}
	ctrl.SetLogger(logr.Discard())
	env := &envtest.Environment{
		CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}, ErrorIfCRDPathMissing: true,
		// Only for the serving certificate it generates.
		WebhookInstallOptions: envtest.WebhookInstallOptions{},
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	certDir := env.WebhookInstallOptions.LocalServingCertDir

	o := DefaultOptions()
	o.CredentialsNamespace = "tenantry-system"
	o.Webhook.Certs, o.Webhook.CertDir = WebhookCertsFiles, certDir
	o.Tokens.IssuerURL = "https://tenantry.example"
	o.SelfServiceTLS = TLSFiles{CertFile: filepath.Join(certDir, "tls.crt"), KeyFile: filepath.Join(certDir, "tls.key")}
	o.LeaderElection.Enabled = true
	direct, err := client.New(cfg, client.Options{Scheme: Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: o.CredentialsNamespace}}
	if err := direct.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	options := managerOptions(o)
	options.Metrics = metricsserver.Options{BindAddress: "0"}
	// Any free port: the docs test's dev environment may hold :8081 at
	// the same moment.
	options.HealthProbeBindAddress = "0"
	options.LeaderElectionNamespace = o.CredentialsNamespace
	mgr, err := ctrl.NewManager(cfg, options)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingManager{Manager: mgr}
	if err := assemble(rec, o); err != nil {
		t.Fatal(err)
	}

	everywhere, leader := map[string]bool{}, map[string]bool{}
	for _, r := range rec.added {
		switch r := r.(type) {
		case everyReplica:
			everywhere[r.name] = true
		case leaderOnly:
			leader[r.name] = true
		case cache.Cache:
			// Started on every replica before anything else, so that a
			// replica that becomes leader starts warm.
			everywhere["cache of service objects"] = true
		case interface{ GetLogger() logr.Logger }:
			name := reflect.ValueOf(r).Elem().FieldByName("Name").String()
			if !r.(manager.LeaderElectionRunnable).NeedLeaderElection() {
				t.Errorf("controller %s runs on every replica: two replicas would reconcile the same object", name)
			}
			leader["controller "+name] = true
		default:
			t.Errorf("%T was added without saying where it runs: wrap it in everyReplica or leaderOnly", r)
		}
	}
	wantEverywhere := []string{"self-service API", "metrics from the cache", "signing keys", "self-service certificate", "cache of service objects"}
	wantLeader := []string{"history pruner", "signing key rotation",
		"controller user", "controller role", "controller ledger", "controller subscription", "controller team", "controller serviceclass"}
	check := func(where string, got map[string]bool, want []string) {
		t.Helper()
		for _, name := range want {
			if !got[name] {
				t.Errorf("%s does not run %s; it runs %v", where, name, got)
			}
			delete(got, name)
		}
		for name := range got {
			t.Errorf("%s runs %s too: add it to this test and to docs/operations/high-availability.md", where, name)
		}
	}
	check("every replica", everywhere, wantEverywhere)
	check("the leader", leader, wantLeader)
}
