package integration

import (
	"bufio"
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
	apiClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		tb.Fatalf("API server client: %v", err)
	}
	api := processCPU(tb, apiClient, strings.TrimSuffix(cfg.Host, "/")+"/metrics")
	etcd := processCPU(tb, &http.Client{Timeout: 10 * time.Second}, env.ControlPlane.Etcd.URL.String()+"/metrics")
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
	apiClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		tb.Fatalf("API server client: %v", err)
	}
	etcdClient := &http.Client{Timeout: 10 * time.Second}
	controlPlane := func() float64 {
		return processCPU(tb, apiClient, strings.TrimSuffix(cfg.Host, "/")+"/metrics") +
			processCPU(tb, etcdClient, env.ControlPlane.Etcd.URL.String()+"/metrics")
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

// processCPU reads process_cpu_seconds_total from a Prometheus endpoint.
func processCPU(tb testing.TB, c *http.Client, url string) float64 {
	tb.Helper()
	resp, err := c.Get(url)
	if err != nil {
		tb.Fatalf("read %s: %v", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("read %s: %s", url, resp.Status)
	}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 64*1024), 1024*1024)
	for lines.Scan() {
		if value, ok := strings.CutPrefix(lines.Text(), "process_cpu_seconds_total "); ok {
			cpu, err := strconv.ParseFloat(value, 64)
			if err != nil {
				tb.Fatalf("read %s: process_cpu_seconds_total %q: %v", url, value, err)
			}
			return cpu
		}
	}
	tb.Fatalf("read %s: no process_cpu_seconds_total (%v)", url, lines.Err())
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
	apiClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		tb.Fatalf("API server client: %v", err)
	}
	url := strings.TrimSuffix(cfg.Host, "/") + "/metrics"
	resp, err := apiClient.Get(url)
	if err != nil {
		tb.Fatalf("read %s: %v", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	writes := map[string]float64{}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 64*1024), 1024*1024)
	for lines.Scan() {
		labels, value, ok := sample(lines.Text(), "apiserver_request_total")
		if !ok || !writeVerbs[labels["verb"]] || labels["dry_run"] != "" {
			continue
		}
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			tb.Fatalf("read %s: %q: %v", url, lines.Text(), err)
		}
		writes[labels["resource"]] += n
	}
	if err := lines.Err(); err != nil {
		tb.Fatalf("read %s: %v", url, err)
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
