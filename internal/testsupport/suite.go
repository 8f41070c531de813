package testsupport

import (
	"context"
	"fmt"
	"os"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/tenantry-io/tenantry/internal/controlplane"
	"github.com/tenantry-io/tenantry/internal/operator"
)

// Suite is what an envtest suite's TestMain starts once for all its tests:
// the control plane with the CRDs, the built-in roles, and the admission
// webhooks served in-process.
type Suite struct {
	Env *envtest.Environment
	Cfg *rest.Config
	// Client reads and writes past any cache, so assertions see the truth.
	Client client.WithWatch
	// Log collects everything every manager of the suite logs, so a test
	// can prove that no secret reached it; it is shown when the suite fails.
	Log          *LogBuffer
	stopWebhooks func()
}

// RunSuite starts the suite for the package at root (the repository root,
// relative to the package), runs its tests, stops it, and returns the exit
// code for os.Exit.
func RunSuite(root string, run func(*Suite) int) int {
	return RunSuiteWith(root, nil, run)
}

// RunSuiteWith is RunSuite with the control plane configured by configure
// before it starts (API server flags, say); nil configures nothing.
func RunSuiteWith(root string, configure func(*envtest.Environment) error, run func(*Suite) int) int {
	if err := RequireAssets(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s := &Suite{Env: Environment(root), Log: &LogBuffer{}}
	if configure != nil {
		if err := configure(s.Env); err != nil {
			fmt.Fprintf(os.Stderr, "configure the test control plane: %v\n", err)
			return 1
		}
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(s.Log), zap.UseDevMode(true)))
	cfg, stopEnv, err := StartEnvironment(s.Env)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stopEnv()
	s.Cfg = cfg
	if s.Client, err = client.NewWithWatch(s.Cfg, client.Options{Scheme: testScheme()}); err != nil {
		fmt.Fprintf(os.Stderr, "create client: %v\n", err)
		return 1
	}
	if err := controlplane.InstallGrantCeiling(context.Background(), s.Client, root); err != nil {
		fmt.Fprintf(os.Stderr, "install the grant ceiling: %v\n", err)
		return 1
	}
	// The operator's namespace exists before it starts, as installing it
	// does: tests arrange credential Secrets there before any manager runs.
	if err := EnsureNamespace(context.Background(), s.Cfg, CredentialsNamespace); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := InstallBuiltinRoles(context.Background(), s.Client, root); err != nil {
		fmt.Fprintf(os.Stderr, "install the built-in roles: %v\n", err)
		return 1
	}
	if s.stopWebhooks, err = ServeWebhooks(s.Env, s.Cfg); err != nil {
		fmt.Fprintf(os.Stderr, "serve the webhooks: %v\n", err)
		return 1
	}
	code := run(s)
	s.stopWebhooks()
	if code != 0 {
		// The managers' log explains most failures; it is kept quiet otherwise.
		lines := strings.Split(s.Log.String(), "\n")
		fmt.Fprintf(os.Stderr, "--- manager log (last 150 lines) ---\n%s\n", strings.Join(lines[max(0, len(lines)-150):], "\n"))
	}
	return code
}

// testScheme is the manager's scheme plus what tests install themselves:
// CustomResourceDefinitions, for service kinds that appear while the
// manager runs.
func testScheme() *runtime.Scheme {
	scheme := operator.Scheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	return scheme
}
