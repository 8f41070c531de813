//go:build chaos

package chaos

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// quietWindow is how long a restarted manager is watched for writes once
// it has reconciled every user: long enough for an event or a requeue
// after a short delay to show.
const quietWindow = 5 * time.Second

// snapshot maps every object the manager writes, and every event it
// records, in the accounts to its resourceVersion. Any write changes one.
func snapshot(ctx context.Context, accounts []string) (map[string]string, error) {
	out := map[string]string{}
	add := func(list client.ObjectList, opts ...client.ListOption) error {
		if err := admin.List(ctx, list, opts...); err != nil {
			return err
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return err
		}
		for _, item := range items {
			obj := item.(client.Object)
			out[fmt.Sprintf("%T %s/%s", list, obj.GetNamespace(), obj.GetName())] = obj.GetResourceVersion()
		}
		return nil
	}
	if err := add(&rbacv1.ClusterRoleList{}, client.HasLabels{iamv1alpha1.RoleLabel}); err != nil {
		return nil, err
	}
	if err := add(&iamv1alpha1.RoleList{}); err != nil {
		return nil, err
	}
	for _, ns := range accounts {
		for _, list := range []client.ObjectList{&iamv1alpha1.UserList{}, &iamv1alpha1.BalanceTransactionList{}, &rbacv1.RoleBindingList{}, &eventsv1.EventList{}} {
			if err := add(list, client.InNamespace(ns)); err != nil {
				return nil, err
			}
		}
		// The account's users' credential Secrets, in the operator's namespace.
		if err := add(&corev1.SecretList{}, client.InNamespace(testsupport.CredentialsNamespace),
			client.MatchingLabels{iamv1alpha1.AccountLabel: ns}, client.HasLabels{iamv1alpha1.UserLabel}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// changes lists what differs between two snapshots.
func changes(before, after map[string]string) []string {
	var out []string
	for k, rv := range after {
		switch old, ok := before[k]; {
		case !ok:
			out = append(out, "created "+k)
		case old != rv:
			out = append(out, fmt.Sprintf("changed %s (resourceVersion %s -> %s)", k, old, rv))
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, "deleted "+k)
		}
	}
	sort.Strings(out)
	return out
}

// waitReconciledAll polls the manager's metrics until its user and ledger
// controllers have each finished at least one reconcile per user without an
// error and have
// nothing queued or running: it has looked at everything.
func waitReconciledAll(ctx context.Context, metricsAddr string, users int) error {
	var last map[string]float64
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, startTimeout, true, func(ctx context.Context) (bool, error) {
		m, err := scrape(ctx, "http://"+metricsAddr+"/metrics")
		if err != nil {
			return false, nil
		}
		last = m
		for _, c := range []string{"user", "ledger"} {
			label := `controller="` + c + `"`
			// Invited users ask to be looked at again when their link
			// expires: requeue_after is a finished reconcile too.
			done := sum(m, "controller_runtime_reconcile_total", label) - sum(m, "controller_runtime_reconcile_total", label, `result="error"`)
			if done < float64(users) ||
				sum(m, "workqueue_depth", label) != 0 ||
				sum(m, "controller_runtime_active_workers", label) != 0 {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		var seen []string
		for k, v := range last {
			if strings.Contains(k, "reconcile_total") || strings.HasPrefix(k, "workqueue_depth") || strings.Contains(k, "active_workers") {
				seen = append(seen, fmt.Sprintf("%s %v", k, v))
			}
		}
		sort.Strings(seen)
		return fmt.Errorf("the restarted manager did not reconcile every user: %w; metrics: %s", err, strings.Join(seen, ", "))
	}
	return nil
}

// scrape reads a Prometheus text endpoint into "name{labels}" -> value.
func scrape(ctx context.Context, url string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out, sc.Err()
}

// sum adds up the series of a metric whose labels include all of labels.
func sum(m map[string]float64, name string, labels ...string) float64 {
	var total float64
	for series, v := range m {
		if !strings.HasPrefix(series, name+"{") {
			continue
		}
		matches := true
		for _, l := range labels {
			matches = matches && strings.Contains(series, l)
		}
		if matches {
			total += v
		}
	}
	return total
}
