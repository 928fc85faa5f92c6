// callback.go: the Go side of the per-object callback, called by the C trampoline in scan.go.
//
// It runs on the scanning goroutine's thread, inside the C scan call. It must not let a panic
// unwind through C frames, so a panic is recovered, recorded on the callbackState and re-raised by
// Engine.run once the C call has returned.
package assay

/*
#include <stdint.h>
#include <assay.h>
*/
import "C"

import "runtime/cgo"

//export goAssayObject
func goAssayObject(report *C.assay_report, index C.size_t, handle C.uintptr_t) (result C.int) {
	state := cgo.Handle(handle).Value().(*callbackState)
	defer func() {
		if recovered := recover(); recovered != nil {
			state.panicked, state.panicWith = true, recovered
			result = C.ASSAY_CALLBACK_ABORT
		}
	}()
	if ctx := state.settings.ctx; ctx != nil {
		if err := ctx.Err(); err != nil {
			state.ctxErr = err
			return C.ASSAY_CALLBACK_ABORT
		}
	}
	if state.settings.onObject != nil {
		info, err := readObjectInfo(report, int(index))
		if err != nil || !state.settings.onObject(info) {
			return C.ASSAY_CALLBACK_ABORT
		}
	}
	return C.ASSAY_CALLBACK_CONTINUE
}
