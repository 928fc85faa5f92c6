// concurrency_test.go: one Engine shared by 8 goroutines gives each scan its own correct report,
// without runtime.LockOSThread; Close under load is safe.
package assay_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	assay "assay/bindings/go"
)

const goroutines = 8

func TestEightGoroutinesIndependentResults(t *testing.T) {
	engine := rulesEngine(t)
	dir := t.TempDir()
	var start, done sync.WaitGroup
	start.Add(1)
	failures := make(chan error, goroutines)
	for worker := 0; worker < goroutines; worker++ {
		done.Add(1)
		go func(worker int) {
			defer done.Done()
			members := []member{{fmt.Sprintf("w%d.txt", worker), bytes.Repeat([]byte(fmt.Sprintf("worker %d\n", worker)), worker+1)}}
			want := assay.VerdictUnknown
			if worker%2 == 1 {
				members = append(members, member{"eicar.com", eicar})
				want = assay.VerdictMalicious
			}
			archive := makeZip(t, members...)
			path := filepath.Join(dir, fmt.Sprintf("w%d.zip", worker))
			if err := os.WriteFile(path, archive, 0o600); err != nil {
				failures <- err
				return
			}
			name := fmt.Sprintf("w%d.zip", worker)
			start.Wait()
			for round := 0; round < 100; round++ {
				var report *assay.Report
				var err error
				switch round % 3 {
				case 0:
					report, err = engine.ScanBytes(archive, name)
				case 1:
					report, err = engine.ScanFile(path)
				default:
					report, err = engine.ScanReader(bytes.NewReader(archive), name)
				}
				if err != nil {
					failures <- err
					return
				}
				list, err := report.Objects()
				v, _ := report.Verdict()
				report.Close()
				if err != nil || list[0].SHA256 != sha(archive) || list[0].FileName != name || len(list) != 1+len(members) || v != want {
					failures <- fmt.Errorf("worker %d round %d: %v %+v verdict %v", worker, round, err, list, v)
					return
				}
				for i, m := range members {
					if list[1+i].SHA256 != sha(m.data) {
						failures <- fmt.Errorf("worker %d: member %s is another goroutine's", worker, m.name)
						return
					}
				}
			}
		}(worker)
	}
	start.Done()
	done.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}
}

func TestCloseWhileScanning(t *testing.T) {
	engine, err := assay.NewEngine(assay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var started, done sync.WaitGroup
	var mu sync.Mutex
	scans, closedSeen := 0, 0
	for worker := 0; worker < goroutines; worker++ {
		started.Add(1)
		done.Add(1)
		go func(worker int) {
			defer done.Done()
			data := bytes.Repeat([]byte(fmt.Sprintf("goroutine %d\n", worker)), 1000)
			started.Done()
			for {
				report, err := engine.ScanBytes(data, "")
				if errors.Is(err, assay.ErrClosed) {
					mu.Lock()
					closedSeen++
					mu.Unlock()
					return
				}
				if err != nil {
					t.Errorf("worker %d: %v", worker, err)
					return
				}
				list, err := report.Objects()
				report.Close()
				if err != nil || list[0].SHA256 != sha(data) {
					t.Errorf("worker %d: wrong report %v", worker, err)
					return
				}
				mu.Lock()
				scans++
				mu.Unlock()
			}
		}(worker)
	}
	started.Wait()
	time.Sleep(100 * time.Millisecond)
	engine.Close()
	done.Wait()
	if closedSeen != goroutines || scans == 0 {
		t.Fatalf("%d goroutines saw ErrClosed, %d scans", closedSeen, scans)
	}
}
