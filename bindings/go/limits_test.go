// limits_test.go: limits are soft outcomes (StatusLimitReached on the report), never errors.
package assay_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	assay "assay/bindings/go"
)

func unpackingWarnings(t *testing.T, report *assay.Report) []string {
	var out []string
	for _, entry := range render(t, report, assay.RenderOptions{ReportType: "large"}) {
		if list, ok := field(entry, "info.unpacking.warnings").([]interface{}); ok {
			for _, w := range list {
				out = append(out, w.(string))
			}
		}
	}
	return out
}

func anyContains(list []string, part string) bool {
	for _, s := range list {
		if strings.Contains(s, part) {
			return true
		}
	}
	return false
}

func TestMaxDepth(t *testing.T) {
	data := nestedZip(t, 5)
	whole, err := newEngine(t, assay.Options{}).ScanBytes(data, "deep.zip")
	if err != nil || whole.Status() != assay.StatusOK || whole.Len() != 6 {
		t.Fatalf("unlimited: %v %v %d", err, whole.Status(), whole.Len())
	}
	report, err := newEngine(t, assay.Options{MaxDepth: assay.Limit(2)}).ScanBytes(data, "deep.zip")
	if err != nil {
		t.Fatal(err)
	}
	list := objects(t, report)
	if report.Status() != assay.StatusLimitReached || !report.LimitReached() || len(list) != 3 {
		t.Fatalf("status %v, %d objects", report.Status(), len(list))
	}
	cut := list[2]
	if cut.Depth != 2 || cut.UnpackingStatus != assay.UnpackingPartial || cut.FileSubtype != "ZIP" {
		t.Fatalf("cut %+v", cut)
	}
	if !anyContains(unpackingWarnings(t, report), "limit max_depth reached") {
		t.Fatalf("warnings %v", unpackingWarnings(t, report))
	}
}

func TestMaxDepthZero(t *testing.T) {
	report, err := newEngine(t, assay.Options{MaxDepth: assay.Limit(0)}).ScanBytes(nestedZip(t, 2), "")
	if err != nil || report.Len() != 1 || report.Status() != assay.StatusLimitReached {
		t.Fatalf("%v %d %v", err, report.Len(), report.Status())
	}
}

func TestMaxObjectBytes(t *testing.T) {
	archive := makeZip(t, member{"big.txt", bytes.Repeat([]byte("A"), 200_000)}, member{"small.txt", []byte("small")})
	report, err := newEngine(t, assay.Options{MaxObjectBytes: assay.Limit(100_000)}).ScanBytes(archive, "")
	if err != nil || report.Status() != assay.StatusLimitReached {
		t.Fatalf("%v %v", err, report.Status())
	}
	if !anyContains(unpackingWarnings(t, report), "max_object_bytes") {
		t.Fatalf("warnings %v", unpackingWarnings(t, report))
	}
	found := false
	for _, o := range objects(t, report) {
		found = found || (o.FileName == "small.txt" && o.Size == 5)
	}
	if !found {
		t.Fatal("the other member must still be scanned")
	}
}

func TestMaxObjects(t *testing.T) {
	var members []member
	for i := 0; i < 20; i++ {
		members = append(members, member{fmt.Sprintf("m%d.txt", i), []byte(fmt.Sprintf("member %d\n", i))})
	}
	report, err := newEngine(t, assay.Options{MaxObjects: assay.Limit(5)}).ScanBytes(makeZip(t, members...), "")
	if err != nil || report.Status() != assay.StatusLimitReached || report.Len() != 5 ||
		!anyContains(unpackingWarnings(t, report), "max_objects") {
		t.Fatalf("%v %v %d", err, report.Status(), report.Len())
	}
}
