// Package assay is the Go binding of Assay, an embeddable static file-analysis engine, over its
// stable C ABI (capi/assay.h, libassay.so.1), found with `#cgo pkg-config: assay`.
//
//	engine, err := assay.NewEngine(assay.Options{Rules: []string{"rules"}, MaxDepth: assay.Limit(8)})
//	if err != nil { ... }
//	defer engine.Close()
//	report, err := engine.ScanFile("sample.zip")          // or ScanBytes, ScanReader
//	verdict, _ := report.Verdict()
//	json, err := report.JSON(assay.RenderOptions{ReportType: "small"})
//
// Ownership: an Engine owns the C engine and a small pool of C scanners; a Report owns one C
// report. Both are freed by Close, or by a finalizer when they become unreachable. Close reports
// when done with them: the Go collector does not see the C memory behind a Report (a few KiB for a
// small object), so thousands of dropped reports can pile up between two collections.
//
// Concurrency: an Engine is safe for any number of goroutines. Each scan takes a C scanner from the
// engine's pool (making one when none is idle) and returns it afterwards; no OS thread is locked,
// because the C ABI keeps error messages on the scanner handle, not in thread-local state. A Report
// is safe for concurrent use too (its methods serialise on a mutex, as the C report requires).
//
// Errors are *Error values carrying the C status code; errors.Is matches them against the
// sentinels ErrInvalidArgument ... ErrRules, one per ASSAY_E_* code, and ErrClosed for a closed
// Engine or Report. Soft outcomes (a limit reached, a scan aborted) are not errors: they are the
// Report's Status.
package assay
