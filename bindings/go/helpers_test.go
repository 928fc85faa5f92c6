// helpers_test.go: shared helpers of the Go binding's tests. Every input is real: zips written by
// archive/zip, the bundled YARA rules of the repository, EICAR. No mocks.
package assay_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	assay "assay/bindings/go"
)

// eicar is the EICAR test string, assembled so that this file is not itself flagged.
var eicar = []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")

// member is one file of a test zip.
type member struct {
	name string
	data []byte
}

func makeZip(t testing.TB, members ...member) []byte {
	t.Helper()
	var buffer bytes.Buffer
	writer := zip.NewWriter(&buffer)
	for _, m := range members {
		w, err := writer.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := writer.Close(); err != nil {
		t.Fatal(err)
	}
	return buffer.Bytes()
}

// nestedZip wraps payload in `levels` zips (1: a zip holding the payload).
func nestedZip(t testing.TB, levels int) []byte {
	data := []byte("innermost text\n")
	for level := 0; level < levels; level++ {
		name := "payload.txt"
		if level > 0 {
			name = fmt.Sprintf("level%d.zip", level)
		}
		data = makeZip(t, member{name, data})
	}
	return data
}

func sha(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func rulesDir(t testing.TB) string {
	dir := os.Getenv("ASSAY_RULES")
	if dir == "" {
		dir = filepath.Join("..", "..", "rules")
	}
	if _, err := os.Stat(filepath.Join(dir, "eicar.yar")); err != nil {
		t.Fatalf("bundled rules not found in %s: %v", dir, err)
	}
	return dir
}

func newEngine(t testing.TB, opts assay.Options) *assay.Engine {
	t.Helper()
	engine, err := assay.NewEngine(opts)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	t.Cleanup(func() { engine.Close() })
	return engine
}

func rulesEngine(t testing.TB) *assay.Engine {
	return newEngine(t, assay.Options{Rules: []string{rulesDir(t)}, StrictRules: true})
}

func objects(t testing.TB, report *assay.Report) []assay.ObjectInfo {
	t.Helper()
	list, err := report.Objects()
	if err != nil {
		t.Fatalf("Objects: %v", err)
	}
	return list
}

func verdict(t testing.TB, report *assay.Report) assay.Verdict {
	t.Helper()
	v, err := report.Verdict()
	if err != nil {
		t.Fatalf("Verdict: %v", err)
	}
	return v
}

func render(t testing.TB, report *assay.Report, opts assay.RenderOptions) []map[string]interface{} {
	t.Helper()
	text, err := report.JSON(opts)
	if err != nil {
		t.Fatalf("JSON(%+v): %v", opts, err)
	}
	return parse(t, text)
}

func sortedKeys(m map[string]interface{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// rssBytes is this process's resident set size, from /proc/self/statm.
func rssBytes(t testing.TB) int64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := strconv.ParseInt(strings.Fields(string(raw))[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}

func parse(t testing.TB, text []byte) []map[string]interface{} {
	t.Helper()
	var entries []map[string]interface{}
	if err := json.Unmarshal(text, &entries); err != nil {
		t.Fatalf("not a JSON array of entries: %v\n%s", err, text)
	}
	return entries
}

// field walks a parsed entry along a dot path ("info.file.size"); nil when absent.
func field(entry map[string]interface{}, path string) interface{} {
	var value interface{} = entry
	for _, key := range strings.Split(path, ".") {
		object, ok := value.(map[string]interface{})
		if !ok {
			return nil
		}
		value = object[key]
	}
	return value
}

func writeFile(dir, name, content string) error {
	return os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600)
}
