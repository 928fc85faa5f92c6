// leak_test.go: 10,000 scans keep resident memory flat: reports, render options and scanners are
// freed, by Close and, for reports dropped without Close, by their finalizer.
package assay_test

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	assay "assay/bindings/go"
)

const mib = 1 << 20

func settle() {
	for i := 0; i < 3; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // finalizers run on their own goroutine
	}
	debug.FreeOSMemory()
}

func leakEngineAndArchive(t *testing.T) (*assay.Engine, []byte) {
	return rulesEngine(t), makeZip(t, member{"eicar.com", eicar}, member{"a.txt", []byte("small member\n")})
}

// measure runs warm-up scans, then `scans` more, and returns the growth of resident memory.
func measure(t *testing.T, warmUp, scans int, scan func(i int)) int64 {
	for i := 0; i < warmUp; i++ {
		scan(i)
	}
	settle()
	before := rssBytes(t)
	for i := 0; i < scans; i++ {
		scan(i)
	}
	settle()
	return rssBytes(t) - before
}

func TestTenThousandScansFlatMemory(t *testing.T) {
	engine, archive := leakEngineAndArchive(t)
	growth := measure(t, 1000, 10_000, func(i int) {
		report, err := engine.ScanBytes(archive, "n.zip")
		if err != nil {
			t.Fatal(err)
		}
		defer report.Close()
		if v, _ := report.Verdict(); v != assay.VerdictMalicious {
			t.Fatalf("verdict %v", v)
		}
		switch i % 4 {
		case 0:
			if list, _ := report.Objects(); len(list) != 3 {
				t.Fatal("objects")
			}
		case 1:
			if _, err := report.JSON(assay.RenderOptions{ReportType: "small", IncludeFields: []string{"info.file.size"}}); err != nil {
				t.Fatal(err)
			}
		case 2:
			if _, err := report.Save(); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Logf("resident memory growth over 10,000 scans: %.2f MiB", float64(growth)/mib)
	if growth > 3*mib {
		t.Fatalf("resident memory grew by %.2f MiB over 10,000 scans", float64(growth)/mib)
	}
}

// Reports dropped without Close are freed by their finalizer. The Go collector does not see the C
// memory behind them, so the test collects every 200 scans (as a busy program's allocations would);
// without the finalizer, 10,000 reports of ~6 KiB each would add about 60 MiB.
func TestFinalizersFreeDroppedReports(t *testing.T) {
	engine, archive := leakEngineAndArchive(t)
	growth := measure(t, 1000, 10_000, func(i int) {
		report, err := engine.ScanBytes(archive, "n.zip")
		if err != nil {
			t.Fatal(err)
		}
		if report.Len() != 3 {
			t.Fatal("objects")
		}
		if i%200 == 199 {
			runtime.GC()
		}
	})
	t.Logf("resident memory growth over 10,000 dropped reports: %.2f MiB", float64(growth)/mib)
	if growth > 8*mib {
		t.Fatalf("resident memory grew by %.2f MiB over 10,000 dropped reports", float64(growth)/mib)
	}
}
