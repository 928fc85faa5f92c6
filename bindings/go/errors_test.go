// errors_test.go: every error path returns an *Error with its code, matched by errors.Is, and the
// C handle's message; use after Close is ErrClosed, never a crash.
package assay_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	assay "assay/bindings/go"
)

const brokenRule = "rule broken { condition: no_such_identifier }\n"

func brokenRulesDir(t *testing.T) string {
	dir := t.TempDir()
	eicarRule, err := os.ReadFile(filepath.Join(rulesDir(t), "eicar.yar"))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFile(dir, "broken.yar", brokenRule); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(dir, "eicar.yar", string(eicarRule)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func asError(t *testing.T, err error) *assay.Error {
	t.Helper()
	var e *assay.Error
	if !errors.As(err, &e) {
		t.Fatalf("%v (%T) is not an *assay.Error", err, err)
	}
	return e
}

func TestBadRulesStrict(t *testing.T) {
	_, err := assay.NewEngine(assay.Options{Rules: []string{brokenRulesDir(t)}, StrictRules: true})
	if !errors.Is(err, assay.ErrRules) {
		t.Fatalf("got %v, want ErrRules", err)
	}
	e := asError(t, err)
	if e.Code != -9 || !strings.Contains(e.Message, "no_such_identifier") {
		t.Fatalf("%+v", e)
	}
	for _, ruleset := range e.Rulesets {
		if ruleset.Name == "broken" && (ruleset.Active || len(ruleset.Errors) == 0 || !strings.Contains(ruleset.Errors[0], "broken.yar:1")) {
			t.Fatalf("broken ruleset %+v", ruleset)
		}
	}
}

func TestBadRulesLenient(t *testing.T) {
	engine := newEngine(t, assay.Options{Rules: []string{brokenRulesDir(t)}})
	rules, err := engine.Rules()
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]assay.RulesetInfo{}
	for _, r := range rules.Rulesets {
		status[r.Name] = r
	}
	if status["broken"].Active || !status["eicar"].Active || status["eicar"].RuleCount != 1 || rules.AllCompiled() {
		t.Fatalf("%+v", rules)
	}
	report, err := engine.ScanBytes(eicar, "")
	if err != nil || verdict(t, report) != assay.VerdictMalicious {
		t.Fatalf("the good rule file must still work: %v", err)
	}
}

func TestMissingRulesPath(t *testing.T) {
	_, err := assay.NewEngine(assay.Options{Rules: []string{filepath.Join(t.TempDir(), "absent.yar")}, StrictRules: true})
	if !errors.Is(err, assay.ErrRules) || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("got %v", err)
	}
}

func TestStrictReloadKeepsOldRules(t *testing.T) {
	dir := t.TempDir()
	eicarRule, _ := os.ReadFile(filepath.Join(rulesDir(t), "eicar.yar"))
	writeFile(dir, "eicar.yar", string(eicarRule))
	engine := newEngine(t, assay.Options{Rules: []string{dir}, StrictRules: true})
	before, err := engine.Rules()
	if err != nil || len(before.Identifier) != 40 {
		t.Fatalf("%+v %v", before, err)
	}
	writeFile(dir, "later.yar", brokenRule)
	if _, err := engine.Reload(true); !errors.Is(err, assay.ErrRules) || len(asError(t, err).Rulesets) != 2 {
		t.Fatalf("strict reload of a broken file: %v", err)
	}
	if now, _ := engine.Rules(); now.Identifier != before.Identifier {
		t.Fatal("the old rules were not kept")
	}
	writeFile(dir, "later.yar", "rule later { strings: $a = \"later\" condition: $a }\n")
	attempt, err := engine.Reload(true)
	now, _ := engine.Rules()
	if err != nil || !attempt.AllCompiled() || now.Identifier != attempt.Identifier || now.Identifier == before.Identifier {
		t.Fatalf("good reload: %v %+v", err, attempt)
	}
}

func TestOptionOutOfRange(t *testing.T) {
	_, err := assay.NewEngine(assay.Options{MaxRatio: assay.Limit(1)})
	if !errors.Is(err, assay.ErrOutOfRange) || asError(t, err).Code != -3 ||
		!strings.Contains(err.Error(), "max_ratio must be between 2") {
		t.Fatalf("got %v", err)
	}
	if _, err := assay.NewEngine(assay.Options{Timeout: -1}); !errors.Is(err, assay.ErrOutOfRange) {
		t.Fatalf("negative timeout: %v", err)
	}
	if _, err := assay.NewEngine(assay.Options{Timeout: 1}); !errors.Is(err, assay.ErrOutOfRange) {
		t.Fatalf("sub-millisecond timeout: %v", err)
	}
}

func TestBadReportTypesDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(dir, "bad.json", `{"name": "bad", "base": `)
	_, err := assay.NewEngine(assay.Options{ReportTypesDir: dir})
	if err == nil || asError(t, err).Code >= 0 || !strings.Contains(err.Error(), "bad.json") {
		t.Fatalf("got %v", err)
	}
}

func TestBadRenderOptions(t *testing.T) {
	engine := newEngine(t, assay.Options{})
	report, err := engine.ScanBytes(makeZip(t, member{"a.txt", []byte("a")}), "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = report.JSON(assay.RenderOptions{View: "sideways"})
	if !errors.Is(err, assay.ErrInvalidArgument) || !strings.Contains(err.Error(), "unknown view 'sideways'") {
		t.Fatalf("bad view: %v", err)
	}
	_, err = report.JSON(assay.RenderOptions{ReportType: "no-such-type"})
	if !errors.Is(err, assay.ErrUnsupported) || !strings.Contains(err.Error(), "small") {
		t.Fatalf("unknown report type: %v", err)
	}
	if _, err := report.JSON(assay.RenderOptions{ReportType: "small"}); err != nil {
		t.Fatalf("the report must still render: %v", err)
	}
}

func TestUnreadablePaths(t *testing.T) {
	engine := newEngine(t, assay.Options{})
	dir := t.TempDir()
	if _, err := engine.ScanFile(filepath.Join(dir, "missing.bin")); !errors.Is(err, assay.ErrIO) || asError(t, err).Code != -4 {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := engine.ScanFile(dir); !errors.Is(err, assay.ErrInvalidArgument) || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("directory: %v", err)
	}
}

func TestLoadGarbage(t *testing.T) {
	if _, err := newEngine(t, assay.Options{}).LoadReport([]byte("not a saved report")); !errors.Is(err, assay.ErrInvalidArgument) {
		t.Fatalf("got %v", err)
	}
}

func TestClosedEngine(t *testing.T) {
	engine, err := assay.NewEngine(assay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	report, _ := engine.ScanBytes([]byte("before close"), "")
	saved, _ := report.Save()
	engine.Close()
	engine.Close() // idempotent
	calls := map[string]func() error{
		"ScanBytes":  func() error { _, err := engine.ScanBytes([]byte("x"), ""); return err },
		"ScanFile":   func() error { _, err := engine.ScanFile("/etc/hostname"); return err },
		"ScanReader": func() error { _, err := engine.ScanReader(strings.NewReader("x"), ""); return err },
		"Rules":      func() error { _, err := engine.Rules(); return err },
		"Reload":     func() error { _, err := engine.Reload(false); return err },
		"LoadReport": func() error { _, err := engine.LoadReport(saved); return err },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, assay.ErrClosed) || !errors.Is(err, assay.ErrInvalidHandle) || asError(t, err).Code != -2 {
			t.Fatalf("%s after Close: %v", name, err)
		}
	}
	if list := objects(t, report); list[0].Size != uint64(len("before close")) {
		t.Fatal("the report must outlive the engine")
	}
}

func TestClosedReport(t *testing.T) {
	engine := newEngine(t, assay.Options{})
	report, _ := engine.ScanBytes([]byte("data"), "")
	report.Close()
	report.Close()
	if _, err := report.Verdict(); !errors.Is(err, assay.ErrClosed) {
		t.Fatalf("Verdict: %v", err)
	}
	if _, err := report.Objects(); !errors.Is(err, assay.ErrClosed) {
		t.Fatalf("Objects: %v", err)
	}
	if _, err := report.JSON(assay.RenderOptions{}); !errors.Is(err, assay.ErrClosed) {
		t.Fatalf("JSON: %v", err)
	}
	if _, err := report.Save(); !errors.Is(err, assay.ErrClosed) {
		t.Fatalf("Save: %v", err)
	}
	if report.Len() != 0 || report.Status() != assay.StatusOK {
		t.Fatal("Len after Close must be 0, Status stays readable")
	}
}

func TestFinalizersFreeUnclosedObjects(t *testing.T) {
	func() {
		engine, err := assay.NewEngine(assay.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			engine.ScanBytes([]byte("dropped without Close"), "")
		}
	}()
	runtime.GC()
	runtime.GC()
}

func TestErrorSentinels(t *testing.T) {
	sentinels := []*assay.Error{assay.ErrInvalidArgument, assay.ErrInvalidHandle, assay.ErrOutOfRange, assay.ErrIO,
		assay.ErrTooLarge, assay.ErrNoMemory, assay.ErrUnsupported, assay.ErrInternal, assay.ErrRules}
	for i, sentinel := range sentinels {
		if int(sentinel.Code) != -(i+1) || sentinel.Code.String() == "unknown status" {
			t.Fatalf("sentinel %d: %+v %s", i, sentinel, sentinel.Code)
		}
		for j, other := range sentinels {
			if errors.Is(sentinel, other) != (i == j) {
				t.Fatalf("errors.Is(%v, %v)", sentinel, other)
			}
		}
	}
	if errors.Is(assay.ErrInvalidHandle, assay.ErrClosed) {
		t.Fatal("a plain invalid handle is not ErrClosed")
	}
}
