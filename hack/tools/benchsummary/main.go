// Command benchsummary reads `go test -bench` output (golang.org/x/perf's
// benchfmt parses it) and prints, for each benchmark and metric, the
// median of the runs and their spread: the lowest and highest run and how
// far they lie from the median. benchstat's confidence interval needs six
// runs or more; `make bench` runs three, so the spread is what it shows.
//
// Usage: benchsummary <file>...
package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchfmt"
)

type key struct{ bench, unit string }

func main() {
	reader := benchfmt.NewReader(nil, "")
	values := map[key][]float64{}
	var order []key
	for _, path := range os.Args[1:] {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		reader.Reset(f, path)
		for reader.Scan() {
			res, ok := reader.Result().(*benchfmt.Result)
			if !ok {
				continue
			}
			for _, v := range res.Values {
				k := key{string(res.Name), v.Unit}
				if _, seen := values[k]; !seen {
					order = append(order, k)
				}
				values[k] = append(values[k], v.Value)
			}
		}
		_ = f.Close()
		if err := reader.Err(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	_, _ = fmt.Fprintln(w, "benchmark\tmetric\truns\tmedian\tlowest\thighest\tspread\t")
	for _, k := range order {
		v := slices.Sorted(slices.Values(values[k]))
		median := v[len(v)/2]
		if len(v)%2 == 0 {
			median = (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		spread := "-"
		if median != 0 {
			spread = fmt.Sprintf("-%.0f%% +%.0f%%", 100*(median-v[0])/median, 100*(v[len(v)-1]-median)/median)
		}
		_, _ = fmt.Fprintf(w, "%s\t%s\t%d\t%.4g\t%.4g\t%.4g\t%s\t\n", strings.TrimPrefix(k.bench, "Benchmark"), k.unit, len(v), median, v[0], v[len(v)-1], spread)
	}
	_ = w.Flush()
}
