package integration

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// On the benchmarks' machine the API server, etcd, the operator and the
// client share the cores and keep them busy, so a run's time follows the
// CPU it spends. cpuSeconds is that CPU so far: the API server's and etcd's,
// from their own process_cpu_seconds_total, and this process's (the manager,
// the webhooks, the mail server and the benchmark's clients). A benchmark
// reports it per object beside its time, for both sides: it tells where a
// ratio comes from, and that a run slower than the last spent more CPU on
// the same work (the machine's noise) rather than waited.
func cpuSeconds(tb testing.TB) float64 {
	tb.Helper()
	api, etcd := controlPlaneCPU(tb)
	var self syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return api + etcd + seconds(self.Utime) + seconds(self.Stime)
}

func seconds(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// waitForQuietControlPlane waits until the control plane is quiet: the API server and etcd
// together below a tenth of a core over a second. Each side of a benchmark
// starts from there, not while the API server and etcd still work off the
// last side (the account it deleted, the manager that stopped), which
// otherwise falls on whichever side comes next, and most on the bare
// client's run, the shorter one.
func waitForQuietControlPlane(tb testing.TB) {
	tb.Helper()
	controlPlane := func() float64 {
		api, etcd := controlPlaneCPU(tb)
		return api + etcd
	}
	const window, quiet, patience = time.Second, 0.1, time.Minute
	deadline := time.Now().Add(patience)
	// A rate needs a window: the ticker paces the readings.
	ticker := time.NewTicker(window)
	defer ticker.Stop()
	for last := controlPlane(); ; {
		<-ticker.C
		now := controlPlane()
		if now-last < quiet*window.Seconds() {
			return
		}
		if time.Now().After(deadline) {
			tb.Logf("the control plane is still busy after %v (%.2f cores); measuring anyway", patience, (now-last)/window.Seconds())
			return
		}
		last = now
	}
}

// controlPlaneCPU is the CPU the API server and etcd have spent so far,
// from their own process_cpu_seconds_total.
func controlPlaneCPU(tb testing.TB) (api, etcd float64) {
	tb.Helper()
	return processCPU(tb, "the API server", apiServerMetrics(tb)), processCPU(tb, "etcd", etcdMetrics(tb))
}

// apiServerMetrics is the API server's /metrics, read as the suite's admin.
func apiServerMetrics(tb testing.TB) []byte {
	tb.Helper()
	rc, err := rest.RESTClientFor(metricsConfig())
	if err != nil {
		tb.Fatal(err)
	}
	body, err := rc.Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		tb.Fatalf("read the API server's metrics: %v", err)
	}
	return body
}

// etcdMetrics is etcd's /metrics, which it serves on its client address.
func etcdMetrics(tb testing.TB) []byte {
	tb.Helper()
	url := env.ControlPlane.Etcd.URL.String() + "/metrics"
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		tb.Fatalf("read etcd's metrics: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("read etcd's metrics: %s %v", resp.Status, err)
	}
	return body
}

// processCPU reads process_cpu_seconds_total from metrics in the
// Prometheus text format.
func processCPU(tb testing.TB, who string, metrics []byte) float64 {
	tb.Helper()
	for _, line := range strings.Split(string(metrics), "\n") {
		if value, ok := strings.CutPrefix(line, "process_cpu_seconds_total "); ok {
			cpu, err := strconv.ParseFloat(value, 64)
			if err != nil {
				tb.Fatalf("read %s's process_cpu_seconds_total %q: %v", who, value, err)
			}
			return cpu
		}
	}
	tb.Fatalf("%s reports no process_cpu_seconds_total", who)
	return 0
}

// reportCPU reports the CPU spent since before, in milliseconds per object.
func reportCPU(b *testing.B, before float64, unit string) {
	b.Helper()
	b.ReportMetric((cpuSeconds(b)-before)*1000/float64(b.N), unit)
}

// writesByResource is how many writes (creates, updates, patches, applies
// and deletes) the API server has served so far, by resource, its status
// included: from its own apiserver_request_total, so that counting them
// loads neither side of a benchmark with watches of its own.
func writesByResource(tb testing.TB) map[string]float64 {
	tb.Helper()
	return apiServerWrites(tb, func(labels map[string]string) string { return labels["resource"] })
}

// apiServerWrites adds up the writes the API server has answered, whoever
// sent them, under the key that key gives each series of
// apiserver_request_total by its labels; "" leaves a series out. Dry runs
// write nothing and are left out.
func apiServerWrites(tb testing.TB, key func(labels map[string]string) string) map[string]float64 {
	tb.Helper()
	writes := map[string]float64{}
	for _, line := range strings.Split(string(apiServerMetrics(tb)), "\n") {
		labels, value, ok := sample(line, "apiserver_request_total")
		if !ok || !writeVerbs[labels["verb"]] || labels["dry_run"] != "" {
			continue
		}
		k := key(labels)
		if k == "" {
			continue
		}
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			tb.Fatalf("read the API server's %q: %v", line, err)
		}
		writes[k] += n
	}
	return writes
}

var writeVerbs = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "APPLY": true, "DELETE": true}

// sample splits a Prometheus text line of family into its labels and
// value; ok is false for other families.
func sample(line, family string) (labels map[string]string, value string, ok bool) {
	body, found := strings.CutPrefix(line, family+"{")
	if !found {
		return nil, "", false
	}
	end := strings.LastIndex(body, "} ")
	if end < 0 {
		return nil, "", false
	}
	labels = map[string]string{}
	for _, pair := range strings.Split(body[:end], ",") {
		name, quoted, _ := strings.Cut(pair, "=")
		labels[name] = strings.Trim(quoted, `"`)
	}
	return labels, body[end+2:], true
}
