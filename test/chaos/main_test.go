//go:build chaos

package chaos

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tenantry-io/tenantry/internal/controlplane"
	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// The workload's size and seed. `make test-chaos` runs the defaults, sized
// for CI; CHAOS_FLAGS='-users=300 -transactions=2000 -kills=10' is the big run.
var (
	flagUsers        = flag.Int("users", 30, "users to create, spread over the accounts")
	flagTransactions = flag.Int("transactions", 150, "balance transactions (refills and charges) to create; cancels come on top")
	flagKills        = flag.Int("kills", 4, "times the manager is SIGKILLed and started again")
	flagOutages      = flag.Int("outages", 1, "times the SMTP server goes down and comes back")
	flagAccounts     = flag.Int("accounts", 3, "customer accounts (namespaces)")
	flagSeed         = flag.Uint64("seed", 0, "seed of the random schedule; 0 picks one (printed at the start, to replay a run)")
	flagSettle       = flag.Duration("settle-timeout", 5*time.Minute, "how long everything may take to settle after the workload")
)

// What the tests share.
var (
	env            *envtest.Environment
	admin          client.Client
	managerBinary  string
	kubeconfigPath string
	workDir        string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set. These tests need kube-apiserver and etcd: run them with `make test-chaos`, which builds both and sets it.")
		return 1
	}
	var err error
	if workDir, err = os.MkdirTemp("", "tenantry-chaos-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(workDir) }()

	// The manager under test is the binary a cluster runs, not an
	// in-process copy: a SIGKILL must end everything it had in flight.
	managerBinary = filepath.Join(workDir, "manager")
	build := exec.Command("go", "build", "-o", managerBinary, "github.com/tenantry-io/tenantry/cmd/manager")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "build the manager: %v\n", err)
		return 1
	}

	// The webhook configurations of config/webhook are pointed at the
	// port the manager process serves them on with envtest's certificate,
	// so admission works as on a cluster.
	env = testsupport.Environment(filepath.Join("..", ".."))
	cfg, stopEnv, err := testsupport.StartEnvironment(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stopEnv()
	if err := setUp(cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// setUp gives the manager a user and kubeconfig of its own and the tests
// an admin client, and installs the built-in roles.
func setUp(cfg *rest.Config) error {
	var err error
	if admin, err = client.New(cfg, client.Options{Scheme: operator.Scheme()}); err != nil {
		return fmt.Errorf("create the admin client: %w", err)
	}
	user, err := env.AddUser(envtest.User{Name: "tenantry-manager", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add the manager's user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("render the manager's kubeconfig: %w", err)
	}
	kubeconfigPath = filepath.Join(workDir, "kubeconfig")
	if err := os.WriteFile(kubeconfigPath, data, 0o600); err != nil {
		return fmt.Errorf("write the manager's kubeconfig: %w", err)
	}
	if err := testsupport.EnsureNamespace(context.Background(), cfg, testsupport.CredentialsNamespace); err != nil {
		return err
	}
	if err := controlplane.InstallGrantCeiling(context.Background(), admin, filepath.Join("..", "..")); err != nil {
		return fmt.Errorf("install the grant ceiling: %w", err)
	}
	return installRoles(filepath.Join("..", "..", "config", "roles"))
}
