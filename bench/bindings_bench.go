// bindings_bench.go: the Go binding's side of bench/bindings_bench.sh (built by the script in a
// scratch module that points at bindings/go with a replace directive).
//
// Usage: bindings_bench_go PAYLOAD_FILE SCANS_PER_BATCH BATCHES
// Prints "name median_ns_per_scan min_ns_per_scan" lines, medians over the batches, like the C program:
//
//	go_scan_bytes   engine.ScanBytes(payload, "") then report.Close()
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	assay "assay/bindings/go"
)

func timed(batches, scans int, body func(n int)) (median, best float64) {
	perScan := make([]float64, batches)
	for b := range perScan {
		start := time.Now()
		body(scans)
		perScan[b] = float64(time.Since(start).Nanoseconds()) / float64(scans)
	}
	sort.Float64s(perScan)
	return perScan[batches/2], perScan[0]
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: bindings_bench_go PAYLOAD_FILE SCANS_PER_BATCH BATCHES")
		os.Exit(2)
	}
	payload, err := os.ReadFile(os.Args[1])
	scans, _ := strconv.Atoi(os.Args[2])
	batches, _ := strconv.Atoi(os.Args[3])
	if err != nil || scans <= 0 || batches <= 0 {
		fmt.Fprintln(os.Stderr, "bindings_bench_go: bad arguments", err)
		os.Exit(2)
	}
	engine, err := assay.NewEngine(assay.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer engine.Close()
	plain := func(n int) {
		for i := 0; i < n; i++ {
			report, err := engine.ScanBytes(payload, "")
			if err != nil {
				panic(err)
			}
			report.Close()
		}
	}
	plain(scans) // warm-up
	median, best := timed(batches, scans, plain)
	fmt.Printf("go_scan_bytes %.0f %.0f\n", median, best)
}
