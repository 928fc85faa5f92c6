// report.go: Report, the result of one scan (an assay_report), its objects, and JSON rendering.
//
// Ownership: a Report owns its C report and frees it on Close or, when unreachable, in a
// finalizer. It does not need its Engine: it stays readable after the engine is closed.
// Thread-safety: the C report is one-thread-at-a-time for rendering and object info (both write
// buffers inside it), so every method takes the Report's mutex.
package assay

/*
#include <stdlib.h>
#include <assay.h>
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"strconv"
	"sync"
	"unsafe"
)

// Verdict is tc_report classification.classification.
type Verdict int

const (
	VerdictUnknown    Verdict = C.ASSAY_VERDICT_UNKNOWN
	VerdictGoodware   Verdict = C.ASSAY_VERDICT_GOODWARE
	VerdictSuspicious Verdict = C.ASSAY_VERDICT_SUSPICIOUS
	VerdictMalicious  Verdict = C.ASSAY_VERDICT_MALICIOUS
)

func (v Verdict) String() string {
	switch v {
	case VerdictUnknown:
		return "unknown"
	case VerdictGoodware:
		return "goodware"
	case VerdictSuspicious:
		return "suspicious"
	case VerdictMalicious:
		return "malicious"
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// UnpackingStatus is tc_report info.unpacking.status of one object.
type UnpackingStatus int

const (
	NotAContainer     UnpackingStatus = 0
	UnpackingFailed   UnpackingStatus = 1
	UnpackingComplete UnpackingStatus = 2
	UnpackingPartial  UnpackingStatus = 3 // e.g. a limit stopped it
)

// ObjectInfo is one object of a report (assay_object_info) as plain Go values.
type ObjectInfo struct {
	Index           int
	Parent          int // -1 for the root
	Depth           int
	Size            uint64
	FileType        string // e.g. "Archive"
	FileSubtype     string // e.g. "ZIP"
	Identification  string
	FileName        string
	FilePath        string // e.g. "outer.zip/inner.txt"
	SHA256          string // 64 lower-case hex digits
	UnpackingStatus UnpackingStatus
	Verdict         Verdict
}

// RenderOptions say how Report.JSON renders. The zero value is the default: medium, nested.
type RenderOptions struct {
	// ReportType: "small", "medium", "large", or a custom type of the engine ("full" and "summary"
	// are aliases of large and medium); "" is medium. Unknown names are ErrUnsupported.
	ReportType string
	// View: "nested" (also ""), "flat" or "extended"; anything else is ErrInvalidArgument.
	View string
	// IncludeFields: dot paths relative to one entry (e.g. "info.file.size"); when non-nil,
	// exactly those fields (and their ancestors) are rendered.
	IncludeFields []string
	// ExcludeFields: dot paths removed after inclusion.
	ExcludeFields []string
	Pretty        bool  // indent the JSON
	Full          *bool // deprecated: true large, false medium, unless ReportType is set
	V13           bool  // enumerations as integers, as in API v1.3
}

// Report is the result of one scan.
type Report struct {
	mu     sync.Mutex
	ptr    *C.assay_report
	status Status
}

func newReport(ptr *C.assay_report, status Status) *Report {
	r := &Report{ptr: ptr, status: status}
	runtime.SetFinalizer(r, (*Report).Close)
	return r
}

// Close frees the report. Idempotent; always returns nil.
func (r *Report) Close() error {
	r.mu.Lock()
	ptr := r.ptr
	r.ptr = nil
	r.mu.Unlock()
	if ptr != nil {
		C.assay_report_free(ptr)
		runtime.SetFinalizer(r, nil)
	}
	return nil
}

// Status is StatusOK, StatusLimitReached (a limit stopped some unpacking: the objects concerned are
// UnpackingPartial and the rendered report names the limit) or StatusAborted. Valid after Close.
func (r *Report) Status() Status { return r.status }

// LimitReached is Status() == StatusLimitReached.
func (r *Report) LimitReached() bool { return r.status == StatusLimitReached }

// live runs fn with the C report under the mutex, or returns ErrClosed.
func (r *Report) live(fn func(*C.assay_report) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ptr == nil {
		return closedError("the report")
	}
	err := fn(r.ptr)
	runtime.KeepAlive(r)
	return err
}

func (r *Report) lastError(ptr *C.assay_report) string {
	return C.GoString(C.assay_report_last_error(ptr))
}

// Verdict is the root object's verdict, after propagation from its children.
func (r *Report) Verdict() (Verdict, error) {
	var verdict Verdict
	err := r.live(func(ptr *C.assay_report) error {
		value := C.assay_report_root_verdict(ptr)
		if value < 0 {
			return newError(value, "invalid report")
		}
		verdict = Verdict(value)
		return nil
	})
	return verdict, err
}

// Len is the number of objects (0 after Close).
func (r *Report) Len() int {
	count := 0
	_ = r.live(func(ptr *C.assay_report) error {
		count = int(C.assay_report_object_count(ptr))
		return nil
	})
	return count
}

// Objects lists every object, root first, in report order.
func (r *Report) Objects() ([]ObjectInfo, error) {
	var objects []ObjectInfo
	err := r.live(func(ptr *C.assay_report) error {
		count := int(C.assay_report_object_count(ptr))
		objects = make([]ObjectInfo, 0, count)
		for i := 0; i < count; i++ {
			info, err := readObjectInfo(ptr, i)
			if err != nil {
				return err
			}
			objects = append(objects, info)
		}
		return nil
	})
	return objects, err
}

// readObjectInfo reads object index of a live C report (the caller serialises access to it).
func readObjectInfo(ptr *C.assay_report, index int) (ObjectInfo, error) {
	var raw C.assay_object_info
	raw.struct_size = C.uint32_t(unsafe.Sizeof(raw))
	if status := C.assay_report_object_info(ptr, C.size_t(index), &raw); status < 0 {
		return ObjectInfo{}, newError(status, C.GoString(C.assay_report_last_error(ptr)))
	}
	return ObjectInfo{
		Index: int(raw.index), Parent: int(raw.parent), Depth: int(raw.depth), Size: uint64(raw.size),
		FileType: C.GoString(raw.file_type), FileSubtype: C.GoString(raw.file_subtype),
		Identification: C.GoString(raw.identification), FileName: C.GoString(raw.file_name),
		FilePath: C.GoString(raw.file_path), SHA256: C.GoString(raw.sha256),
		UnpackingStatus: UnpackingStatus(raw.unpacking_status), Verdict: Verdict(raw.verdict),
	}, nil
}

// JSON renders the tc_report array.
func (r *Report) JSON(opts RenderOptions) ([]byte, error) {
	options, err := newRenderOptions(&opts)
	if err != nil {
		return nil, err
	}
	defer C.assay_render_options_free(options)
	var out []byte
	err = r.live(func(ptr *C.assay_report) error {
		var text *C.char
		var length C.size_t
		if status := C.assay_report_render(ptr, options, &text, &length); status < 0 {
			return newError(status, r.lastError(ptr))
		}
		// Copied under the mutex: the text lives only until the next render on this report.
		out = C.GoBytes(unsafe.Pointer(text), C.int(length))
		return nil
	})
	return out, err
}

// Save returns the report as a compact, versioned byte string for Engine.LoadReport.
func (r *Report) Save() ([]byte, error) {
	var out []byte
	err := r.live(func(ptr *C.assay_report) error {
		var data *C.uint8_t
		var length C.size_t
		if status := C.assay_report_save(ptr, &data, &length); status < 0 {
			return newError(status, r.lastError(ptr))
		}
		out = C.GoBytes(unsafe.Pointer(data), C.int(length))
		return nil
	})
	return out, err
}

func newRenderOptions(opts *RenderOptions) (*C.assay_render_options, error) {
	var options *C.assay_render_options
	if status := C.assay_render_options_new(&options); status < 0 {
		return nil, newError(status, "cannot create render options")
	}
	check := func(status C.int) error {
		if status < 0 {
			return newError(status, C.GoString(C.assay_render_options_last_error(options)))
		}
		return nil
	}
	setText := func(option C.assay_render_option, value string) error {
		text := C.CString(value)
		defer C.free(unsafe.Pointer(text))
		return check(C.assay_render_options_set_text(options, option, text))
	}
	setFields := func(option C.assay_render_option, fields []string) error {
		list, err := json.Marshal(fields)
		if err != nil {
			return &Error{Code: codeInvalidArgument, Message: err.Error()}
		}
		return setText(option, string(list))
	}
	setBool := func(option C.assay_render_option, value bool) error {
		flag := C.int(0)
		if value {
			flag = 1
		}
		return check(C.assay_render_options_set_bool(options, option, flag))
	}
	var err error
	if opts.ReportType != "" {
		err = setText(C.ASSAY_RENDER_REPORT_TYPE, opts.ReportType)
	}
	if err == nil && opts.View != "" {
		err = setText(C.ASSAY_RENDER_VIEW, opts.View)
	}
	if err == nil && opts.IncludeFields != nil {
		err = setFields(C.ASSAY_RENDER_INCLUDE_FIELDS, opts.IncludeFields)
	}
	if err == nil && opts.ExcludeFields != nil {
		err = setFields(C.ASSAY_RENDER_EXCLUDE_FIELDS, opts.ExcludeFields)
	}
	if err == nil && opts.Pretty {
		err = setBool(C.ASSAY_RENDER_PRETTY, true)
	}
	if err == nil && opts.Full != nil {
		err = setBool(C.ASSAY_RENDER_FULL, *opts.Full)
	}
	if err == nil && opts.V13 {
		err = setBool(C.ASSAY_RENDER_V13, true)
	}
	if err != nil {
		C.assay_render_options_free(options)
		return nil, err
	}
	return options, nil
}
