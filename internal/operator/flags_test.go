package operator

import (
	"flag"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// TestFlagGroups checks what the configuration reference relies on: every
// group has flags, a name and a one-line description, and the manager's
// flag set is exactly the union of the groups.
func TestFlagGroups(t *testing.T) {
	o, zapOpts := DefaultOptions(), zap.Options{}
	groups := FlagGroups(&o, &zapOpts)
	inGroup := map[string]string{}
	names := map[string]bool{}
	for _, g := range groups {
		if g.Name == "" || names[g.Name] {
			t.Errorf("group %q: names must be set and unique", g.Name)
		}
		names[g.Name] = true
		if g.Description == "" || strings.Contains(g.Description, "\n") || !strings.HasSuffix(g.Description, ".") {
			t.Errorf("group %q: description %q is not one sentence on one line", g.Name, g.Description)
		}
		fs := flag.NewFlagSet(g.Name, flag.ContinueOnError)
		g.Bind(fs)
		count := 0
		fs.VisitAll(func(f *flag.Flag) {
			count++
			if other, ok := inGroup[f.Name]; ok {
				t.Errorf("--%s is in groups %q and %q", f.Name, other, g.Name)
			}
			inGroup[f.Name] = g.Name
		})
		if count == 0 {
			t.Errorf("group %q binds no flag", g.Name)
		}
	}

	all := NewFlagSet("manager", &o, &zapOpts)
	all.VisitAll(func(f *flag.Flag) {
		if _, ok := inGroup[f.Name]; !ok {
			t.Errorf("--%s is in the manager's flag set but in no group", f.Name)
		}
		delete(inGroup, f.Name)
	})
	for name := range inGroup {
		t.Errorf("--%s is in a group but not in the manager's flag set", name)
	}
	for _, want := range []string{"kubeconfig", "zap-log-level", "max-concurrent-teams", "max-concurrent-service-classes"} {
		if all.Lookup(want) == nil {
			t.Errorf("the manager has no --%s", want)
		}
	}
}

// TestFlagDefaults pins the defaults --help shows, so that moving an
// option between files cannot change one unnoticed.
func TestFlagDefaults(t *testing.T) {
	t.Setenv("TMPDIR", "/tmp")
	t.Setenv("POD_NAMESPACE", "")
	o, zapOpts := DefaultOptions(), zap.Options{}
	fs := NewFlagSet("manager", &o, &zapOpts)
	for name, want := range map[string]string{
		"max-concurrent-users":           "4",
		"max-concurrent-roles":           "2",
		"max-concurrent-ledgers":         "4",
		"max-concurrent-subscriptions":   "2",
		"max-concurrent-teams":           "2",
		"max-concurrent-service-classes": "1",
		"transaction-user-grace":         "1m0s",
		"service-removal-timeout":        "10m0s",
		"default-currency":               "USD",
		"smtp-retry-base":                "10s",
		"smtp-retry-max":                 "15m0s",
		"invitation-unconfirmed-grace":   "30s",
		"invitation-ttl":                 "168h0m0s",
		"history-retention":              "90d",
		"history-limit":                  "200",
		"history-prune-interval":         "1h0m0s",
		"deletion-retention":             "30d",
		"lockout-threshold":              "5",
		"lockout-window":                 "15m0s",
		"lockout-duration":               "30m0s",
		"session-ttl":                    "12h0m0s",
		"totp-issuer":                    "Tenantry",
		"identity-kind":                  "User",
		"identity-prefix":                "",
		"grant-ceiling":                  "tenantry-grant-ceiling",
		"webhook-cert-dir":               "/tmp/k8s-webhook-server/serving-certs",
		"credentials-namespace":          "tenantry-system",
		"kubeconfig":                     "",
	} {
		f := fs.Lookup(name)
		if f == nil {
			t.Errorf("no --%s", name)
			continue
		}
		if f.DefValue != want {
			t.Errorf("--%s defaults to %q, want %q", name, f.DefValue, want)
		}
	}
}

func TestConcurrencyFlags(t *testing.T) {
	o := DefaultOptions()
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	o.BindFlags(fs)
	if err := fs.Parse([]string{"--max-concurrent-teams=3", "--max-concurrent-service-classes=5"}); err != nil {
		t.Fatal(err)
	}
	if o.Concurrency.Teams != 3 || o.Concurrency.ServiceClasses != 5 {
		t.Fatalf("Concurrency = %+v, want Teams 3 and ServiceClasses 5", o.Concurrency)
	}
}
