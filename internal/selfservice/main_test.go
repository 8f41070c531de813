package selfservice

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/index"
)

// The control plane and cache shared by the tests of this package.
var (
	// direct reads and writes the API server; tests set up and assert with it.
	direct client.Client
	// cached is the client a Server gets, reading from the cache as the
	// manager's client does.
	cached client.Client
	// informers is the cache behind cached, for tests that wait on it.
	informers cache.Cache
	// testCipher seals the TOTP secrets, as the manager's key does.
	testCipher *credentials.Cipher
)

// credentialsNamespace is where the tests keep credential Secrets, as the
// manager keeps them in its own namespace.
const credentialsNamespace = "tenantry-system"

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	// A fuzzing run that selects no tests (`-run '^$' -fuzz ...`, as `make
	// fuzz` does) exercises only parsing, which needs no control plane;
	// starting one in the coordinator and in every worker would only take
	// the cores the fuzzer needs.
	if onlyFuzzing() {
		return m.Run()
	}
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set. These tests need kube-apiserver and etcd: "+
			"run them with `make test` (TEST_FLAGS='-run ...' narrows them), which builds both and sets it.")
		return 1
	}
	// Each test logs into its own buffer through the request context; the
	// global logger only has to keep controller-runtime from complaining.
	logf.SetLogger(logr.Discard())

	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{"../../config/crd/bases"},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "start the test control plane: %v\n", err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stop the test control plane: %v\n", err)
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := startClients(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// onlyFuzzing reports whether this run fuzzes and runs no test.
func onlyFuzzing() bool {
	flag.Parse()
	fuzz, run := flag.Lookup("test.fuzz"), flag.Lookup("test.run")
	return fuzz != nil && fuzz.Value.String() != "" && run != nil && run.Value.String() == "^$"
}

// startClients builds the cache the way the manager does: Secrets only of
// the credentials namespace and when they carry the user label, with the
// token-hash index.
func startClients(ctx context.Context, cfg *rest.Config) error {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return fmt.Errorf("register client-go types: %w", err)
	}
	if err := iamv1alpha1.AddToScheme(scheme); err != nil {
		return fmt.Errorf("register iam.tenantry.io types: %w", err)
	}

	hasUserLabel, err := labels.NewRequirement(iamv1alpha1.UserLabel, selection.Exists, nil)
	if err != nil {
		return fmt.Errorf("build the Secret label selector: %w", err)
	}
	informers, err = cache.New(cfg, cache.Options{
		Scheme: scheme,
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {
				Label:      labels.NewSelector().Add(*hasUserLabel),
				Namespaces: map[string]cache.Config{credentialsNamespace: {}},
			},
		},
	})
	if err != nil {
		return fmt.Errorf("create the cache: %w", err)
	}
	if err := informers.IndexField(ctx, &corev1.Secret{}, index.SecretTokenHashField, index.SecretTokenHashes); err != nil {
		return fmt.Errorf("index Secrets by token hash: %w", err)
	}
	// "log in as" reads who else has a user's email, as the manager does.
	if err := informers.IndexField(ctx, &iamv1alpha1.User{}, index.UserEmailField, index.UserEmail); err != nil {
		return fmt.Errorf("index users by email: %w", err)
	}
	go func() {
		if err := informers.Start(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "cache stopped: %v\n", err)
		}
	}()
	if !informers.WaitForCacheSync(ctx) {
		return fmt.Errorf("the cache did not sync")
	}

	if direct, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return fmt.Errorf("create the direct client: %w", err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: credentialsNamespace}}
	if err := direct.Create(ctx, ns); err != nil {
		return fmt.Errorf("create the credentials namespace: %w", err)
	}
	testCipher = &credentials.Cipher{}
	keys := client.ObjectKey{Namespace: credentialsNamespace, Name: credentials.KeySecretName}
	if err := credentials.LoadKeys(ctx, direct, direct, keys, testCipher); err != nil {
		return err
	}
	cached, err = client.New(cfg, client.Options{Scheme: scheme, Cache: &client.CacheOptions{Reader: informers}})
	if err != nil {
		return fmt.Errorf("create the cached client: %w", err)
	}
	return nil
}
