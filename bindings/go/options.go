// options.go: Options, the engine settings of NewEngine, turned into a C assay_config.
//
// The config is built, used by assay_engine_new and freed within NewEngine; nothing here outlives it.
package assay

/*
#cgo pkg-config: assay
#include <stdlib.h>
#include <assay.h>
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"
)

// Options are the settings of an Engine. The zero value means every library default.
//
// Numeric limits are pointers so that zero can be asked for (MaxDepth 0: identify and hash the
// root only; ParallelHashBytes 0: never start a hashing thread): nil means the default, and Limit
// makes a pointer from a value. OptionBounds tells each option's bounds and default.
type Options struct {
	// Rules: .yar/.yara files, compiled rules files or folders searched recursively.
	Rules []string
	// StrictRules makes NewEngine fail with ErrRules when any rule file fails to compile. Without
	// it such a file is left out, reported by Engine.Rules, and the others work.
	StrictRules bool
	// Passwords tried on encrypted archive members, in order. nil keeps the default {"infected"};
	// an empty, non-nil slice means none.
	Passwords []string

	MaxDepth          *uint64       // containers at this depth are not unpacked (default 16)
	MaxObjects        *uint64       // objects per scan, root included (default 10000)
	MaxObjectBytes    *uint64       // size of one object (default 256 MiB)
	MaxTotalBytes     *uint64       // bytes decoded in one scan (default 1 GiB)
	MaxRatio          *uint64       // decoded per compressed byte (default 100)
	MagicPrefixBytes  *uint64       // bytes shown to libmagic for unknown binaries (default 65536)
	ParallelHashBytes *uint64       // objects this large are hashed on a helper thread (default 4 MiB)
	Timeout           time.Duration // wall time of one scan, whole milliseconds (0: default 30 s)
	// ReportTypesDir is a folder of custom report types (*.json); a bad file fails NewEngine.
	ReportTypesDir string
}

// Limit returns a pointer to v, for the numeric fields of Options.
func Limit(v uint64) *uint64 { return &v }

// Option names, as OptionBounds takes them (the library's own names).
const (
	OptionMaxDepth          = "max_depth"
	OptionMaxObjects        = "max_objects"
	OptionMaxObjectBytes    = "max_object_bytes"
	OptionMaxTotalBytes     = "max_total_bytes"
	OptionMaxRatio          = "max_ratio"
	OptionTimeoutMs         = "timeout"
	OptionMagicPrefixBytes  = "magic_prefix_bytes"
	OptionParallelHashBytes = "parallel_hash_bytes"
)

var optionIDs = map[string]C.assay_option{
	OptionMaxDepth:          C.ASSAY_OPT_MAX_DEPTH,
	OptionMaxObjects:        C.ASSAY_OPT_MAX_OBJECTS,
	OptionMaxObjectBytes:    C.ASSAY_OPT_MAX_OBJECT_BYTES,
	OptionMaxTotalBytes:     C.ASSAY_OPT_MAX_TOTAL_BYTES,
	OptionMaxRatio:          C.ASSAY_OPT_MAX_RATIO,
	OptionTimeoutMs:         C.ASSAY_OPT_TIMEOUT_MS,
	OptionMagicPrefixBytes:  C.ASSAY_OPT_MAGIC_PREFIX_BYTES,
	OptionParallelHashBytes: C.ASSAY_OPT_PARALLEL_HASH_BYTES,
}

// OptionBounds returns the minimum, maximum and default of a numeric option (e.g. "max_depth").
func OptionBounds(name string) (min, max, def uint64, err error) {
	id, ok := optionIDs[name]
	if !ok {
		return 0, 0, 0, &Error{Code: codeInvalidArgument, Message: "unknown option " + name}
	}
	var lo, hi, value C.uint64_t
	if status := C.assay_option_bounds(id, &lo, &hi, &value); status < 0 {
		return 0, 0, 0, newError(status, "no bounds for "+name)
	}
	return uint64(lo), uint64(hi), uint64(value), nil
}

// Version is the loaded library's version, e.g. "0.1.0".
func Version() string { return C.GoString(C.assay_version()) }

// ABIVersion is the loaded library's ABI version (the SONAME's number).
func ABIVersion() int { return int(C.assay_abi_version()) }

// config is a C assay_config being filled; free it with free().
type config struct{ ptr *C.assay_config }

func newConfig(opts *Options) (*config, error) {
	c := &config{}
	if status := C.assay_config_new(&c.ptr); status < 0 {
		return nil, newError(status, "cannot create a config")
	}
	if err := c.apply(opts); err != nil {
		c.free()
		return nil, err
	}
	return c, nil
}

func (c *config) free() { C.assay_config_free(c.ptr) }

func (c *config) check(status C.int) error {
	if status < 0 {
		return newError(status, C.GoString(C.assay_config_last_error(c.ptr)))
	}
	return nil
}

func (c *config) setText(call func(*C.char) C.int, text string) error {
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	return c.check(call(ctext))
}

func (c *config) apply(opts *Options) error {
	numeric := []struct {
		id    C.assay_option
		value *uint64
	}{
		{C.ASSAY_OPT_MAX_DEPTH, opts.MaxDepth},
		{C.ASSAY_OPT_MAX_OBJECTS, opts.MaxObjects},
		{C.ASSAY_OPT_MAX_OBJECT_BYTES, opts.MaxObjectBytes},
		{C.ASSAY_OPT_MAX_TOTAL_BYTES, opts.MaxTotalBytes},
		{C.ASSAY_OPT_MAX_RATIO, opts.MaxRatio},
		{C.ASSAY_OPT_MAGIC_PREFIX_BYTES, opts.MagicPrefixBytes},
		{C.ASSAY_OPT_PARALLEL_HASH_BYTES, opts.ParallelHashBytes},
	}
	for _, option := range numeric {
		if option.value == nil {
			continue
		}
		if err := c.check(C.assay_config_set_u64(c.ptr, option.id, C.uint64_t(*option.value))); err != nil {
			return err
		}
	}
	if opts.Timeout < 0 {
		return &Error{Code: codeOutOfRange, Message: fmt.Sprintf("timeout must be positive, not %v", opts.Timeout)}
	}
	if opts.Timeout > 0 {
		// Less than a millisecond becomes 0, which the library refuses with its own bounds message.
		ms := uint64(opts.Timeout / time.Millisecond)
		if err := c.check(C.assay_config_set_u64(c.ptr, C.ASSAY_OPT_TIMEOUT_MS, C.uint64_t(ms))); err != nil {
			return err
		}
	}
	if opts.ReportTypesDir != "" {
		err := c.setText(func(text *C.char) C.int {
			return C.assay_config_set_text(c.ptr, C.ASSAY_OPT_REPORT_TYPES_DIR, text)
		}, opts.ReportTypesDir)
		if err != nil {
			return err
		}
	}
	if opts.Passwords != nil {
		if err := c.check(C.assay_config_clear_passwords(c.ptr)); err != nil {
			return err
		}
		for _, password := range opts.Passwords {
			err := c.setText(func(text *C.char) C.int { return C.assay_config_add_password(c.ptr, text) }, password)
			if err != nil {
				return err
			}
		}
	}
	for _, path := range opts.Rules {
		if err := c.setText(func(text *C.char) C.int { return C.assay_config_add_rules(c.ptr, text) }, path); err != nil {
			return err
		}
	}
	return nil
}

// maxObjectBytes is the configured max_object_bytes (what a stream may hold).
func (c *config) maxObjectBytes() (uint64, error) {
	var value C.uint64_t
	if err := c.check(C.assay_config_get_u64(c.ptr, C.ASSAY_OPT_MAX_OBJECT_BYTES, &value)); err != nil {
		return 0, err
	}
	return uint64(value), nil
}
