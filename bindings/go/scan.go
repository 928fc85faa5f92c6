// scan.go: the three ways to scan (bytes, a path, a reader) and the per-scan options.
//
// Input bytes are never copied: a []byte is read in place for the duration of the C call (cgo
// allows passing Go memory that holds no Go pointers; the library does not retain it), a path or a
// regular *os.File is memory-mapped by the library. Other readers are read into memory, at most
// MaxObjectBytes, as the C ABI does for pipes.
package assay

/*
#include <stdint.h>
#include <stdlib.h>
#include <assay.h>

// Defined in callback.go (exported from Go).
extern int goAssayObject(assay_report *report, size_t index, uintptr_t handle);

// The C callback: forwards to Go with the cgo.Handle passed as user_data.
static int assay_go_trampoline(const assay_report *report, size_t index, void *user_data) {
	return goAssayObject((assay_report *)report, index, (uintptr_t)user_data);
}

// Installs the trampoline with a cgo.Handle (0: removes it). The handle travels as an integer so
// no Go pointer is ever stored in C memory.
static int assay_go_set_callback(assay_scanner *scanner, uintptr_t handle) {
	return assay_scanner_set_callback(scanner, handle != 0 ? assay_go_trampoline : NULL, (void *)handle);
}
*/
import "C"

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// ScanOption changes one scan: OnObject, WithContext.
type ScanOption func(*scanSettings)

type scanSettings struct {
	onObject func(ObjectInfo) bool
	ctx      context.Context
}

// OnObject calls fn with each object as soon as it is identified and hashed, on the scanning
// goroutine; fn returns false to stop the scan (the Report then has StatusAborted). A panic in fn
// stops the scan and is re-raised by the Scan call.
func OnObject(fn func(ObjectInfo) bool) ScanOption {
	return func(s *scanSettings) { s.onObject = fn }
}

// WithContext stops the scan (checked at each object) once ctx is done; the Scan call then
// returns ctx.Err() and no report.
func WithContext(ctx context.Context) ScanOption {
	return func(s *scanSettings) { s.ctx = ctx }
}

// ScanBytes scans data in place. name is the root's file name in the report ("" for none).
func (e *Engine) ScanBytes(data []byte, name string, opts ...ScanOption) (*Report, error) {
	var cname *C.char
	if name != "" {
		cname = C.CString(name)
		defer C.free(unsafe.Pointer(cname))
	}
	var ptr unsafe.Pointer
	if len(data) > 0 {
		ptr = unsafe.Pointer(&data[0])
	}
	report, err := e.run(opts, func(scanner *C.assay_scanner, out **C.assay_report) C.int {
		return C.assay_scan_buffer(scanner, ptr, C.size_t(len(data)), cname, out)
	})
	runtime.KeepAlive(data)
	return report, err
}

// ScanFile scans the file at path (memory-mapped); the root's name is the path's last component.
func (e *Engine) ScanFile(path string, opts ...ScanOption) (*Report, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return e.run(opts, func(scanner *C.assay_scanner, out **C.assay_report) C.int {
		return C.assay_scan_path(scanner, cpath, out)
	})
}

// ScanReader scans what r yields. A regular *os.File is mapped through its descriptor, whole,
// whatever its offset; anything else is read to EOF, at most MaxObjectBytes (more is ErrTooLarge).
// name is the root's file name ("" for an *os.File: its base name).
func (e *Engine) ScanReader(r io.Reader, name string, opts ...ScanOption) (*Report, error) {
	if file, ok := r.(*os.File); ok {
		if name == "" {
			name = filepath.Base(file.Name())
		}
		if info, err := file.Stat(); err == nil && info.Mode().IsRegular() {
			return e.scanFile(file, name, opts)
		}
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(e.maxObjectBytes)+1))
	if err != nil {
		return nil, &Error{Code: codeIO, Message: "reading the stream: " + err.Error()}
	}
	if uint64(len(data)) > e.maxObjectBytes {
		return nil, &Error{Code: codeTooLarge, Message: fmt.Sprintf("input is larger than max_object_bytes (%d bytes)", e.maxObjectBytes)}
	}
	return e.ScanBytes(data, name, opts...)
}

func (e *Engine) scanFile(file *os.File, name string, opts []ScanOption) (*Report, error) {
	raw, err := file.SyscallConn()
	if err != nil {
		return nil, &Error{Code: codeIO, Message: err.Error()}
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var report *Report
	var scanErr error
	// Control keeps the descriptor valid (not closed by another goroutine) during the scan.
	err = raw.Control(func(fd uintptr) {
		report, scanErr = e.run(opts, func(scanner *C.assay_scanner, out **C.assay_report) C.int {
			return C.assay_scan_fd(scanner, C.int(fd), cname, out)
		})
	})
	if err != nil {
		return nil, &Error{Code: codeIO, Message: err.Error()}
	}
	return report, scanErr
}

// callbackState is what the C callback reaches through its cgo.Handle.
type callbackState struct {
	settings  scanSettings
	panicked  bool
	panicWith interface{}
	ctxErr    error
}

// run performs one scan call on a pooled scanner, with the callback installed when needed.
func (e *Engine) run(opts []ScanOption, call func(*C.assay_scanner, **C.assay_report) C.int) (*Report, error) {
	scanner, err := e.acquireScanner()
	if err != nil {
		return nil, err
	}
	defer e.releaseScanner(scanner)
	var state *callbackState
	if len(opts) > 0 {
		state = &callbackState{}
		for _, opt := range opts {
			opt(&state.settings)
		}
		if state.settings.onObject == nil && state.settings.ctx == nil {
			state = nil
		}
	}
	if state != nil {
		if ctx := state.settings.ctx; ctx != nil && ctx.Err() != nil {
			return nil, ctx.Err() // already done: do not start
		}
		handle := cgo.NewHandle(state)
		C.assay_go_set_callback(scanner, C.uintptr_t(handle))
		defer func() {
			C.assay_go_set_callback(scanner, 0)
			handle.Delete()
		}()
	}
	var out *C.assay_report
	status := call(scanner, &out)
	if status < 0 {
		return nil, newError(status, C.GoString(C.assay_scanner_last_error(scanner)))
	}
	report := newReport(out, Status(status))
	if state != nil {
		if state.panicked {
			report.Close()
			panic(state.panicWith)
		}
		if state.ctxErr != nil {
			report.Close()
			return nil, state.ctxErr
		}
	}
	return report, nil
}
