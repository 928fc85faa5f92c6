// errors.go: status codes of the C ABI as Go values, and Error, the error type of every failed call.
//
// The sentinels are immutable and shared; an *Error is created per failure and never changed.
package assay

/*
#include <assay.h>
*/
import "C"

import "fmt"

// Status is how a scan ended (StatusOK, StatusLimitReached, StatusAborted) or, in an Error, the
// negative ASSAY_E_* code of the failure. Values are pinned by the C ABI.
type Status int

const (
	StatusOK           Status = C.ASSAY_OK
	StatusLimitReached Status = C.ASSAY_LIMIT_REACHED // a limit stopped some unpacking; the report names it
	StatusAborted      Status = C.ASSAY_ABORTED       // an OnObject callback or a context stopped the scan

	codeInvalidArgument Status = C.ASSAY_E_INVALID_ARGUMENT
	codeInvalidHandle   Status = C.ASSAY_E_INVALID_HANDLE
	codeOutOfRange      Status = C.ASSAY_E_OUT_OF_RANGE
	codeIO              Status = C.ASSAY_E_IO
	codeTooLarge        Status = C.ASSAY_E_TOO_LARGE
	codeNoMemory        Status = C.ASSAY_E_NO_MEMORY
	codeUnsupported     Status = C.ASSAY_E_UNSUPPORTED
	codeInternal        Status = C.ASSAY_E_INTERNAL
	codeRules           Status = C.ASSAY_E_RULES
)

// String is the library's short name of the status ("ok", "limit reached", "invalid argument", ...).
func (s Status) String() string { return C.GoString(C.assay_status_name(C.int(s))) }

// Error is a failed call: Code is the negative ASSAY_E_* status, Message the text the C library
// left on the handle the call was made on (or the binding's own, for ErrClosed and stream reads).
type Error struct {
	Code    Status
	Message string
	// Rulesets is set on ErrRules failures: every rule file of the attempt, with its errors.
	Rulesets []RulesetInfo
	closed   bool
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "assay: " + e.Code.String()
	}
	return fmt.Sprintf("assay: %s (%s)", e.Message, e.Code.String())
}

// Is makes errors.Is(err, ErrIO) and the like true for every Error with that code, and
// errors.Is(err, ErrClosed) true only for use after Close.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if t == ErrClosed {
		return e.closed
	}
	return t.Message == "" && t.Code == e.Code
}

// Sentinels for errors.Is, one per ASSAY_E_* code.
var (
	ErrInvalidArgument = &Error{Code: codeInvalidArgument} // NULL or malformed argument, unknown view, not a saved report
	ErrInvalidHandle   = &Error{Code: codeInvalidHandle}   // a freed or foreign handle (also matches ErrClosed errors)
	ErrOutOfRange      = &Error{Code: codeOutOfRange}      // an option outside its bounds, an index past the end
	ErrIO              = &Error{Code: codeIO}              // a path or descriptor could not be opened, mapped or read
	ErrTooLarge        = &Error{Code: codeTooLarge}        // an unmappable input larger than MaxObjectBytes
	ErrNoMemory        = &Error{Code: codeNoMemory}
	ErrUnsupported     = &Error{Code: codeUnsupported} // e.g. an unknown report type
	ErrInternal        = &Error{Code: codeInternal}    // a bug in Assay
	ErrRules           = &Error{Code: codeRules}       // rule files failed to compile (strict load or reload)
	// ErrClosed: an Engine or Report used after Close. Its code is ASSAY_E_INVALID_HANDLE, so it
	// also matches ErrInvalidHandle; it is caught in Go, before anything reaches C.
	ErrClosed = &Error{Code: codeInvalidHandle, Message: "closed", closed: true}
)

func newError(code C.int, message string) error {
	return &Error{Code: Status(code), Message: message}
}

func closedError(what string) error {
	return &Error{Code: codeInvalidHandle, Message: what + " is closed", closed: true}
}
