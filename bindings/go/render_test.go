// render_test.go: every render option of the C ABI through Report.JSON, checked on the parsed JSON.
package assay_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	assay "assay/bindings/go"
)

func renderReport(t *testing.T) *assay.Report {
	engine := rulesEngine(t)
	report, err := engine.ScanBytes(makeZip(t, member{"readme.txt", bytes.Repeat([]byte("hello\n"), 30)},
		member{"eicar.com", eicar}), "render.zip")
	if err != nil {
		t.Fatal(err)
	}
	return report
}

func text(t *testing.T, report *assay.Report, opts assay.RenderOptions) string {
	t.Helper()
	out, err := report.JSON(opts)
	if err != nil {
		t.Fatalf("JSON(%+v): %v", opts, err)
	}
	return string(out)
}

func TestRenderReportTypes(t *testing.T) {
	report := renderReport(t)
	small := text(t, report, assay.RenderOptions{ReportType: "small"})
	medium := text(t, report, assay.RenderOptions{ReportType: "medium"})
	large := text(t, report, assay.RenderOptions{ReportType: "large"})
	if !(len(small) < len(medium) && len(medium) < len(large)) {
		t.Fatalf("sizes small %d medium %d large %d", len(small), len(medium), len(large))
	}
	if text(t, report, assay.RenderOptions{}) != medium || text(t, report, assay.RenderOptions{ReportType: "summary"}) != medium {
		t.Fatal("default / summary is not medium")
	}
	if text(t, report, assay.RenderOptions{ReportType: "full"}) != large {
		t.Fatal("full is not large")
	}
	list := objects(t, report)
	for _, doc := range []string{small, medium, large} {
		entries := parse(t, []byte(doc))
		if len(entries) != 3 || entries[2]["index"].(float64) != 2 {
			t.Fatalf("entries %v", entries)
		}
		hashes := field(entries[0], "info.file.hashes").([]interface{})
		found := false
		for _, h := range hashes {
			hash := h.(map[string]interface{})
			found = found || (hash["name"] == "sha256" && hash["value"] == list[0].SHA256)
		}
		if !found {
			t.Fatalf("root sha256 not in %v", hashes)
		}
	}
}

func TestRenderDeprecatedFull(t *testing.T) {
	report := renderReport(t)
	yes, no := true, false
	if text(t, report, assay.RenderOptions{Full: &yes}) != text(t, report, assay.RenderOptions{ReportType: "large"}) {
		t.Fatal("Full true is not large")
	}
	if text(t, report, assay.RenderOptions{Full: &no}) != text(t, report, assay.RenderOptions{ReportType: "medium"}) {
		t.Fatal("Full false is not medium")
	}
	if text(t, report, assay.RenderOptions{Full: &yes, ReportType: "small"}) != text(t, report, assay.RenderOptions{ReportType: "small"}) {
		t.Fatal("a report type must win over Full")
	}
}

func TestRenderViews(t *testing.T) {
	report := renderReport(t)
	nested := render(t, report, assay.RenderOptions{View: "nested"})
	flat := render(t, report, assay.RenderOptions{View: "flat"})
	extended := render(t, report, assay.RenderOptions{View: "extended"})
	if _, ok := flat[0]["info"]; ok || flat[0]["info_file_file_name"] != "render.zip" ||
		field(nested[0], "info.file.file_name") != "render.zip" {
		t.Fatalf("flat %v", flat[0])
	}
	for _, entry := range flat {
		for key, value := range entry {
			if _, isObject := value.(map[string]interface{}); isObject {
				t.Fatalf("flat entry has an object at %s", key)
			}
		}
	}
	if extended[0]["depth"].(float64) != 0 || !reflect.DeepEqual(extended[0]["children"], []interface{}{1.0, 2.0}) {
		t.Fatalf("extended %v", extended[0])
	}
	if _, ok := nested[0]["children"]; ok {
		t.Fatal("nested has children")
	}
}

func TestRenderIncludeExclude(t *testing.T) {
	report := renderReport(t)
	list := objects(t, report)
	included := render(t, report, assay.RenderOptions{ReportType: "large", IncludeFields: []string{"info.file.size", "classification"}})
	for i, entry := range included {
		keys := map[string]bool{}
		for _, k := range sortedKeys(entry) {
			keys[k] = true
		}
		delete(keys, "index")
		delete(keys, "parent")
		if len(keys) != 2 || !keys["info"] || !keys["classification"] {
			t.Fatalf("included keys %v", sortedKeys(entry))
		}
		if !reflect.DeepEqual(entry["info"], map[string]interface{}{"file": map[string]interface{}{"size": float64(list[i].Size)}}) {
			t.Fatalf("info %v", entry["info"])
		}
	}
	full := render(t, report, assay.RenderOptions{ReportType: "large"})
	trimmed := render(t, report, assay.RenderOptions{ReportType: "large", ExcludeFields: []string{"info.file.hashes", "classification"}})
	for i := range full {
		if field(full[i], "info.file.hashes") == nil || field(trimmed[i], "info.file.hashes") != nil ||
			trimmed[i]["classification"] != nil || field(trimmed[i], "info.file.file_name") != field(full[i], "info.file.file_name") {
			t.Fatalf("exclude: %v", trimmed[i])
		}
	}
	both := render(t, report, assay.RenderOptions{IncludeFields: []string{"info.file"}, ExcludeFields: []string{"info.file.hashes"}})
	for _, entry := range both {
		if field(entry, "info.file.hashes") != nil || field(entry, "info.file.size") == nil {
			t.Fatalf("include then exclude: %v", entry)
		}
	}
}

func TestRenderPretty(t *testing.T) {
	report := renderReport(t)
	compact := text(t, report, assay.RenderOptions{ReportType: "large"})
	pretty := text(t, report, assay.RenderOptions{ReportType: "large", Pretty: true})
	if bytes.Contains([]byte(compact), []byte("\n")) || !bytes.Contains([]byte(pretty), []byte("\n ")) {
		t.Fatal("pretty is not indented or compact is")
	}
	var a, b interface{}
	json.Unmarshal([]byte(compact), &a)
	json.Unmarshal([]byte(pretty), &b)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("pretty and compact differ in content")
	}
}

func TestRenderV13(t *testing.T) {
	report := renderReport(t)
	eicarIndex := -1
	for _, o := range objects(t, report) {
		if o.SHA256 == sha(eicar) {
			eicarIndex = o.Index
		}
	}
	types := func(opts assay.RenderOptions) map[interface{}]bool {
		entries := render(t, report, opts)
		found := map[interface{}]bool{}
		for _, r := range field(entries[eicarIndex], "classification.scan_results").([]interface{}) {
			found[r.(map[string]interface{})["type"]] = true
		}
		return found
	}
	now := types(assay.RenderOptions{ReportType: "large"})
	v13 := types(assay.RenderOptions{ReportType: "large", V13: true})
	if !reflect.DeepEqual(now, map[interface{}]bool{"internal": true, "yara": true}) ||
		!reflect.DeepEqual(v13, map[interface{}]bool{1.0: true, 2.0: true}) {
		t.Fatalf("scanner types now %v, v13 %v", now, v13)
	}
}

func TestRenderCustomReportType(t *testing.T) {
	dir := t.TempDir()
	custom := `{"name": "tiny", "base": "small", "exclude": ["classification", "info.file.hashes"]}`
	if err := writeFile(dir, "tiny.json", custom); err != nil {
		t.Fatal(err)
	}
	engine := newEngine(t, assay.Options{ReportTypesDir: dir})
	report, err := engine.ScanBytes([]byte("data"), "n.bin")
	if err != nil {
		t.Fatal(err)
	}
	entries := render(t, report, assay.RenderOptions{ReportType: "tiny"})
	small := render(t, report, assay.RenderOptions{ReportType: "small"})
	if small[0]["classification"] == nil || field(small[0], "info.file.hashes") == nil ||
		entries[0]["classification"] != nil || field(entries[0], "info.file.hashes") != nil ||
		field(entries[0], "info.file.file_name") != "n.bin" {
		t.Fatalf("custom %v small %v", entries[0], small[0])
	}
}
