// engine.go: Engine, an assay_engine shared by every goroutine, and its pool of per-thread scanners.
//
// Ownership: the Engine owns the C engine and its idle C scanners. Close frees the idle scanners
// and the engine at once; a scanner busy in a scan is freed when that scan returns (the C scanner
// keeps the engine's state alive until then), and a Rules/Reload/LoadReport call in flight defers
// freeing the engine handle until it returns. A finalizer calls Close for an unreachable Engine.
//
// Thread-safety: every field is guarded by mu, held only to hand a scanner out or take it back,
// never during a scan.
package assay

/*
#include <stdlib.h>
#include <assay.h>
*/
import "C"

import (
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// maxIdleScanners bounds the pool; goroutines beyond it make and free a scanner per scan.
const maxIdleScanners = 64

// Engine holds settings, rules and tables, built once and shared by any number of goroutines.
type Engine struct {
	mu             sync.Mutex
	ptr            *C.assay_engine
	closed         bool
	borrowers      int // calls using ptr outside mu right now
	idle           []*C.assay_scanner
	maxObjectBytes uint64
}

// NewEngine builds an engine (compiling its rules). See Options.
func NewEngine(opts Options) (*Engine, error) {
	cfg, err := newConfig(&opts)
	if err != nil {
		return nil, err
	}
	defer cfg.free()
	limit, err := cfg.maxObjectBytes()
	if err != nil {
		return nil, err
	}
	e := &Engine{maxObjectBytes: limit}
	if err := cfg.check(C.assay_engine_new(&e.ptr, cfg.ptr)); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(e, func(e *Engine) { e.Close() })
	if opts.StrictRules {
		rules, err := e.Rules()
		if err == nil && !rules.AllCompiled() {
			err = &Error{Code: codeRules, Message: "rule files failed to compile:\n" + strings.Join(rules.Errors(), "\n"),
				Rulesets: rules.Rulesets}
		}
		if err != nil {
			e.Close()
			return nil, err
		}
	}
	return e, nil
}

// MaxObjectBytes is the engine's max_object_bytes: the most ScanReader reads from a stream.
func (e *Engine) MaxObjectBytes() uint64 { return e.maxObjectBytes }

// Close frees the engine and its idle scanners; scans running in other goroutines finish with
// their own scanner first. Reports already made stay usable. Idempotent; always returns nil.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	idle := e.idle
	e.idle = nil
	engine := e.takeHandleIfUnused()
	e.mu.Unlock()
	for _, scanner := range idle {
		C.assay_scanner_free(scanner)
	}
	if engine != nil {
		C.assay_engine_free(engine)
	}
	runtime.SetFinalizer(e, nil)
	return nil
}

// takeHandleIfUnused, under mu: the engine handle, cleared, once closed and no call is using it.
func (e *Engine) takeHandleIfUnused() *C.assay_engine {
	if !e.closed || e.borrowers > 0 || e.ptr == nil {
		return nil
	}
	engine := e.ptr
	e.ptr = nil
	return engine
}

// borrow returns the engine handle, kept alive until giveBack (Close defers freeing it).
func (e *Engine) borrow() (*C.assay_engine, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, closedError("the engine")
	}
	e.borrowers++
	return e.ptr, nil
}

func (e *Engine) giveBack() {
	e.mu.Lock()
	e.borrowers--
	orphan := e.takeHandleIfUnused()
	e.mu.Unlock()
	if orphan != nil {
		C.assay_engine_free(orphan)
	}
}

// acquireScanner hands out an idle scanner or makes one (under mu, so Close cannot free the
// engine handle meanwhile).
func (e *Engine) acquireScanner() (*C.assay_scanner, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, closedError("the engine")
	}
	if n := len(e.idle); n > 0 {
		scanner := e.idle[n-1]
		e.idle = e.idle[:n-1]
		return scanner, nil
	}
	var scanner *C.assay_scanner
	if status := C.assay_scanner_new(&scanner, e.ptr); status < 0 {
		return nil, newError(status, "cannot create a scanner")
	}
	return scanner, nil
}

func (e *Engine) releaseScanner(scanner *C.assay_scanner) {
	e.mu.Lock()
	if !e.closed && len(e.idle) < maxIdleScanners {
		e.idle = append(e.idle, scanner)
		e.mu.Unlock()
		return
	}
	e.mu.Unlock()
	C.assay_scanner_free(scanner)
}

// Rules is a snapshot of the rules the engine uses now.
func (e *Engine) Rules() (Rules, error) {
	engine, err := e.borrow()
	if err != nil {
		return Rules{}, err
	}
	defer e.giveBack()
	var snapshot *C.assay_rules
	if status := C.assay_engine_rules(engine, &snapshot); status < 0 {
		return Rules{}, newError(status, "cannot read the engine's rules")
	}
	return takeSnapshot(snapshot)
}

// Reload recompiles the engine's rule paths and swaps the new set in atomically: scans running
// finish with the old rules, later scans use the new ones. It returns what was compiled. With
// strict, a compile error anywhere returns an ErrRules error (with Rulesets) and keeps the old set.
// Safe while other goroutines scan.
func (e *Engine) Reload(strict bool) (Rules, error) {
	engine, err := e.borrow()
	if err != nil {
		return Rules{}, err
	}
	defer e.giveBack()
	flags := C.int(0)
	if strict {
		flags = C.ASSAY_RELOAD_STRICT
	}
	var attempt *C.assay_rules
	status := C.assay_engine_reload(engine, flags, &attempt)
	var rules Rules
	if attempt != nil {
		if rules, err = takeSnapshot(attempt); err != nil {
			return Rules{}, err
		}
	}
	if status == C.ASSAY_E_RULES {
		return rules, &Error{Code: codeRules, Rulesets: rules.Rulesets,
			Message: "rule files failed to compile, the old rules are kept:\n" + strings.Join(rules.Errors(), "\n")}
	}
	if status < 0 {
		return Rules{}, newError(status, "reload failed")
	}
	return rules, nil
}

// LoadReport turns bytes made by Report.Save back into a Report (custom report types come from
// this engine). Malformed or foreign bytes are ErrInvalidArgument.
func (e *Engine) LoadReport(saved []byte) (*Report, error) {
	engine, err := e.borrow()
	if err != nil {
		return nil, err
	}
	defer e.giveBack()
	var data unsafe.Pointer
	if len(saved) > 0 {
		data = unsafe.Pointer(&saved[0])
	}
	var report *C.assay_report
	status := C.assay_report_load(engine, data, C.size_t(len(saved)), &report)
	runtime.KeepAlive(saved)
	if status < 0 {
		return nil, newError(status, "not a saved Assay report (malformed, truncated or foreign bytes)")
	}
	return newReport(report, Status(C.assay_report_status(report))), nil
}
