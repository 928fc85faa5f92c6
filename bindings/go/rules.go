// rules.go: Rules, a snapshot of the YARA rules an engine uses, read into plain Go values.
//
// A Rules value is read completely when it is made and the C snapshot is freed at once, so it holds
// no native resource and is immutable: share it freely.
package assay

/*
#include <assay.h>
*/
import "C"

import (
	"strings"
	"unsafe"
)

// RulesetInfo is one rule file's compile status (assay_ruleset_info).
type RulesetInfo struct {
	Name        string // the file's stem: the ruleset's name and YARA namespace
	Path        string
	Active      bool // compiled and in use
	Precompiled bool // a compiled (yarac) rules file
	RuleCount   uint64
	Errors      []string // "file:line: message"
	Warnings    []string
}

// Rules are the rules of an engine at one moment.
type Rules struct {
	// Identifier is the SHA-1 (40 hex digits) of the active rulesets; "" when none is active.
	Identifier string
	Rulesets   []RulesetInfo
}

// AllCompiled is true when every rule file compiled.
func (r Rules) AllCompiled() bool {
	for _, ruleset := range r.Rulesets {
		if !ruleset.Active {
			return false
		}
	}
	return true
}

// Errors are every compile error of every rule file.
func (r Rules) Errors() []string {
	var all []string
	for _, ruleset := range r.Rulesets {
		all = append(all, ruleset.Errors...)
	}
	return all
}

func lines(text *C.char) []string {
	var out []string
	for _, line := range strings.Split(C.GoString(text), "\n") {
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// takeSnapshot reads a C rules snapshot and frees it (ownership is taken).
func takeSnapshot(ptr *C.assay_rules) (Rules, error) {
	defer C.assay_rules_free(ptr)
	count := int(C.assay_rules_count(ptr))
	rules := Rules{Identifier: C.GoString(C.assay_rules_id(ptr)), Rulesets: make([]RulesetInfo, 0, count)}
	for i := 0; i < count; i++ {
		var raw C.assay_ruleset_info
		raw.struct_size = C.uint32_t(unsafe.Sizeof(raw))
		if status := C.assay_rules_info(ptr, C.size_t(i), &raw); status < 0 {
			return Rules{}, newError(status, "cannot read a rule file's status")
		}
		rules.Rulesets = append(rules.Rulesets, RulesetInfo{
			Name: C.GoString(raw.name), Path: C.GoString(raw.path), Active: raw.active != 0,
			Precompiled: raw.precompiled != 0, RuleCount: uint64(raw.rule_count),
			Errors: lines(raw.errors), Warnings: lines(raw.warnings),
		})
	}
	return rules, nil
}
