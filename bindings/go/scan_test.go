// scan_test.go: ScanBytes, ScanFile and ScanReader give the same, correct report; callbacks and contexts.
package assay_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	assay "assay/bindings/go"
)

var testMembers = []member{
	{"a.txt", bytes.Repeat([]byte("alpha\n"), 50)},
	{"dir/b.bin", bytes.Repeat([]byte{0, 1, 2, 3, 250, 251, 252, 253}, 256)},
	{"c.txt", []byte("gamma")},
}

func checkZipReport(t *testing.T, report *assay.Report, rootName string, archive []byte) {
	t.Helper()
	if report.Status() != assay.StatusOK {
		t.Fatalf("status %v", report.Status())
	}
	list := objects(t, report)
	if len(list) != 1+len(testMembers) || report.Len() != len(list) {
		t.Fatalf("%d objects (Len %d), want %d", len(list), report.Len(), 1+len(testMembers))
	}
	root := list[0]
	if root.Index != 0 || root.Parent != -1 || root.Depth != 0 || root.FileType != "Archive" || root.FileSubtype != "ZIP" {
		t.Fatalf("root %+v", root)
	}
	if root.FileName != rootName || root.Size != uint64(len(archive)) || root.SHA256 != sha(archive) {
		t.Fatalf("root %+v, want name %q size %d", root, rootName, len(archive))
	}
	if root.UnpackingStatus != assay.UnpackingComplete {
		t.Fatalf("root unpacking %v", root.UnpackingStatus)
	}
	byPath := map[string]assay.ObjectInfo{}
	for _, o := range list[1:] {
		byPath[strings.SplitN(o.FilePath, "/", 2)[1]] = o
	}
	for _, m := range testMembers {
		child, ok := byPath[m.name]
		if !ok {
			t.Fatalf("member %s missing from %v", m.name, byPath)
		}
		if child.Parent != 0 || child.Depth != 1 || child.Size != uint64(len(m.data)) || child.SHA256 != sha(m.data) ||
			child.FileName != filepath.Base(m.name) {
			t.Fatalf("member %s: %+v", m.name, child)
		}
	}
}

func TestScanBytes(t *testing.T) {
	engine := newEngine(t, assay.Options{})
	text := bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog.\n"), 20)
	report, err := engine.ScanBytes(text, "fox.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer report.Close()
	list := objects(t, report)
	if len(list) != 1 || list[0].FileName != "fox.txt" || list[0].FileType != "Text" || list[0].SHA256 != sha(text) ||
		list[0].UnpackingStatus != assay.NotAContainer {
		t.Fatalf("%+v", list)
	}
	if verdict(t, report) != assay.VerdictUnknown || report.LimitReached() {
		t.Fatalf("verdict %v status %v", verdict(t, report), report.Status())
	}
	archive := makeZip(t, testMembers...)
	zipReport, err := engine.ScanBytes(archive, "m.zip")
	if err != nil {
		t.Fatal(err)
	}
	checkZipReport(t, zipReport, "m.zip", archive)
}

func TestScanEmptyAndNil(t *testing.T) {
	engine := newEngine(t, assay.Options{})
	for _, data := range [][]byte{nil, {}} {
		report, err := engine.ScanBytes(data, "")
		if err != nil {
			t.Fatal(err)
		}
		list := objects(t, report)
		if len(list) != 1 || list[0].Size != 0 || list[0].SHA256 != sha(nil) || list[0].FileName != "" {
			t.Fatalf("%+v", list)
		}
	}
}

func TestScanFile(t *testing.T) {
	engine := newEngine(t, assay.Options{})
	archive := makeZip(t, testMembers...)
	path := filepath.Join(t.TempDir(), "sample.zip")
	if err := os.WriteFile(path, archive, 0o600); err != nil {
		t.Fatal(err)
	}
	report, err := engine.ScanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkZipReport(t, report, "sample.zip", archive)
}

func TestScanReaderRegularFile(t *testing.T) {
	engine := newEngine(t, assay.Options{})
	archive := makeZip(t, testMembers...)
	path := filepath.Join(t.TempDir(), "f.zip")
	if err := os.WriteFile(path, archive, 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := file.Seek(10, io.SeekStart); err != nil { // the whole file is scanned anyway
		t.Fatal(err)
	}
	report, err := engine.ScanReader(file, "")
	if err != nil {
		t.Fatal(err)
	}
	checkZipReport(t, report, "f.zip", archive)
	named, err := engine.ScanReader(file, "given.zip")
	if err != nil {
		t.Fatal(err)
	}
	checkZipReport(t, named, "given.zip", archive)
}

func TestScanReaderStreams(t *testing.T) {
	engine := newEngine(t, assay.Options{})
	archive := makeZip(t, testMembers...)
	report, err := engine.ScanReader(bytes.NewReader(archive), "s.zip")
	if err != nil {
		t.Fatal(err)
	}
	checkZipReport(t, report, "s.zip", archive)

	// A pipe: not mapped, read through the reader.
	reader, writer, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		writer.Write(archive)
		writer.Close()
	}()
	piped, err := engine.ScanReader(reader, "piped.zip")
	reader.Close()
	if err != nil {
		t.Fatal(err)
	}
	checkZipReport(t, piped, "piped.zip", archive)
}

func TestScanReaderTooLarge(t *testing.T) {
	engine := newEngine(t, assay.Options{MaxObjectBytes: assay.Limit(1000)})
	if engine.MaxObjectBytes() != 1000 {
		t.Fatalf("MaxObjectBytes %d", engine.MaxObjectBytes())
	}
	_, err := engine.ScanReader(bytes.NewReader(make([]byte, 1001)), "")
	var e *assay.Error
	if !errors.Is(err, assay.ErrTooLarge) || !errors.As(err, &e) || e.Code != -5 {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	report, err := engine.ScanReader(bytes.NewReader(make([]byte, 1000)), "")
	if err != nil || objects(t, report)[0].Size != 1000 {
		t.Fatalf("at the limit: %v", err)
	}
}

func TestOnObject(t *testing.T) {
	engine := newEngine(t, assay.Options{})
	archive := makeZip(t, testMembers...)
	var seen []assay.ObjectInfo
	report, err := engine.ScanBytes(archive, "", assay.OnObject(func(info assay.ObjectInfo) bool {
		seen = append(seen, info)
		return true
	}))
	if err != nil {
		t.Fatal(err)
	}
	list := objects(t, report)
	if len(seen) != len(list) {
		t.Fatalf("callback saw %d objects, report has %d", len(seen), len(list))
	}
	for i := range list {
		// Called right after identification and hashing: unpacking and verdict come later.
		seen[i].UnpackingStatus, seen[i].Verdict = list[i].UnpackingStatus, list[i].Verdict
		if seen[i] != list[i] {
			t.Fatalf("object %d: callback %+v, report %+v", i, seen[i], list[i])
		}
	}

	aborted, err := engine.ScanBytes(archive, "", assay.OnObject(func(info assay.ObjectInfo) bool { return info.Index < 1 }))
	if err != nil {
		t.Fatal(err)
	}
	if aborted.Status() != assay.StatusAborted || aborted.Len() >= len(list) {
		t.Fatalf("abort: status %v, %d objects", aborted.Status(), aborted.Len())
	}
}

func TestOnObjectPanicIsReraised(t *testing.T) {
	engine := newEngine(t, assay.Options{})
	archive := makeZip(t, testMembers...)
	func() {
		defer func() {
			if recovered := recover(); recovered != "boom" {
				t.Fatalf("recovered %v, want boom", recovered)
			}
		}()
		engine.ScanBytes(archive, "", assay.OnObject(func(assay.ObjectInfo) bool { panic("boom") }))
	}()
	// The pooled scanner no longer calls back.
	report, err := engine.ScanBytes(archive, "")
	if err != nil || report.Status() != assay.StatusOK {
		t.Fatalf("after the panic: %v %v", err, report)
	}
}

func TestWithContext(t *testing.T) {
	engine := newEngine(t, assay.Options{})
	archive := makeZip(t, testMembers...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := engine.ScanBytes(archive, "", assay.WithContext(ctx)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: %v", err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	objectsSeen := 0
	_, err := engine.ScanBytes(archive, "", assay.WithContext(ctx2), assay.OnObject(func(assay.ObjectInfo) bool {
		objectsSeen++
		cancel2() // cancelled during the scan: stopped at the next object
		return true
	}))
	if !errors.Is(err, context.Canceled) || objectsSeen != 1 {
		t.Fatalf("cancelled during: %v after %d objects", err, objectsSeen)
	}
	live, err := engine.ScanBytes(archive, "", assay.WithContext(context.Background()))
	if err != nil || live.Len() != 1+len(testMembers) {
		t.Fatalf("live context: %v", err)
	}
}

func TestSaveAndLoad(t *testing.T) {
	engine := newEngine(t, assay.Options{})
	report, err := engine.ScanBytes(makeZip(t, testMembers...), "saved.zip")
	if err != nil {
		t.Fatal(err)
	}
	saved, err := report.Save()
	if err != nil {
		t.Fatal(err)
	}
	restored, err := engine.LoadReport(saved)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := report.JSON(assay.RenderOptions{ReportType: "large"})
	b, _ := restored.JSON(assay.RenderOptions{ReportType: "large"})
	if !bytes.Equal(a, b) || len(a) == 0 {
		t.Fatalf("restored report renders differently")
	}
}

func TestReportOutlivesEngine(t *testing.T) {
	engine, err := assay.NewEngine(assay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	report, err := engine.ScanBytes(makeZip(t, testMembers...), "")
	if err != nil {
		t.Fatal(err)
	}
	engine.Close()
	if report.Len() != 1+len(testMembers) {
		t.Fatalf("Len after engine close: %d", report.Len())
	}
	if text, err := report.JSON(assay.RenderOptions{ReportType: "small"}); err != nil || text[0] != '[' {
		t.Fatalf("JSON after engine close: %v", err)
	}
}

func TestVersionAndBounds(t *testing.T) {
	if assay.ABIVersion() != 1 || strings.Count(assay.Version(), ".") != 2 {
		t.Fatalf("version %q abi %d", assay.Version(), assay.ABIVersion())
	}
	min, max, def, err := assay.OptionBounds(assay.OptionMaxDepth)
	if err != nil || !(min <= def && def <= max) {
		t.Fatalf("bounds %d %d %d %v", min, max, def, err)
	}
	if _, _, _, err := assay.OptionBounds("nonsense"); !errors.Is(err, assay.ErrInvalidArgument) {
		t.Fatalf("unknown option: %v", err)
	}
}

// An encrypted zip written by Info-ZIP's `zip -P`: opened only with the right password in the list.
func TestPasswords(t *testing.T) {
	dir := t.TempDir()
	secret := []byte("top secret payload\n")
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), secret, 0o600); err != nil {
		t.Fatal(err)
	}
	zip := exec.Command("zip", "-q", "-P", "s3cret", "enc.zip", "secret.txt")
	zip.Dir = dir
	if out, err := zip.CombinedOutput(); err != nil {
		t.Fatalf("zip: %v %s", err, out)
	}
	cases := []struct {
		passwords []string
		opened    bool
	}{{nil, false}, {[]string{"s3cret"}, true}, {[]string{"wrong", "s3cret"}, true}, {[]string{}, false}}
	for _, c := range cases {
		report, err := newEngine(t, assay.Options{Passwords: c.passwords}).ScanFile(filepath.Join(dir, "enc.zip"))
		if err != nil {
			t.Fatal(err)
		}
		list := objects(t, report)
		if c.opened && (len(list) != 2 || list[1].SHA256 != sha(secret) || list[0].UnpackingStatus != assay.UnpackingComplete) {
			t.Fatalf("passwords %q: %+v", c.passwords, list)
		}
		if !c.opened && (len(list) != 1 || list[0].UnpackingStatus != assay.UnpackingPartial) {
			t.Fatalf("passwords %q: %+v", c.passwords, list)
		}
	}
}
