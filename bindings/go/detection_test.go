// detection_test.go: EICAR found by the bundled rules, alone and in archives, propagated to the root.
package assay_test

import (
	"testing"

	assay "assay/bindings/go"
)

func TestEICARAlone(t *testing.T) {
	report, err := rulesEngine(t).ScanBytes(eicar, "eicar.com")
	if err != nil {
		t.Fatal(err)
	}
	entries := render(t, report, assay.RenderOptions{})
	if verdict(t, report) != assay.VerdictMalicious || field(entries[0], "classification.result") != "Text.Test.EICAR" ||
		field(entries[0], "classification.propagated") != false {
		t.Fatalf("%v %v", verdict(t, report), entries[0]["classification"])
	}
}

func TestEICARInZipPropagates(t *testing.T) {
	archive := makeZip(t, member{"clean.txt", []byte("nothing to see\n")}, member{"eicar.com", eicar})
	report, err := rulesEngine(t).ScanBytes(archive, "outer.zip")
	if err != nil {
		t.Fatal(err)
	}
	if report.Status() != assay.StatusOK || verdict(t, report) != assay.VerdictMalicious {
		t.Fatalf("status %v verdict %v", report.Status(), verdict(t, report))
	}
	byName := map[string]assay.ObjectInfo{}
	for _, o := range objects(t, report) {
		byName[o.FileName] = o
	}
	if byName["outer.zip"].Verdict != assay.VerdictMalicious || byName["eicar.com"].Verdict != assay.VerdictMalicious ||
		byName["eicar.com"].SHA256 != sha(eicar) || byName["clean.txt"].Verdict == assay.VerdictMalicious {
		t.Fatalf("objects %+v", byName)
	}
	entries := render(t, report, assay.RenderOptions{ReportType: "large"})
	if field(entries[0], "classification.propagated") != true || field(entries[0], "classification.result") != "Text.Test.EICAR" ||
		field(entries[byName["eicar.com"].Index], "classification.propagated") != false {
		t.Fatalf("root %v", entries[0]["classification"])
	}
}

func TestEICARTwoLevelsDown(t *testing.T) {
	inner := makeZip(t, member{"eicar.com", eicar})
	report, err := rulesEngine(t).ScanBytes(makeZip(t, member{"inner.zip", inner}, member{"notes.txt", []byte("x")}), "outer.zip")
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]assay.ObjectInfo{}
	for _, o := range objects(t, report) {
		byPath[o.FilePath] = o
	}
	if verdict(t, report) != assay.VerdictMalicious || byPath["outer.zip/inner.zip"].Verdict != assay.VerdictMalicious ||
		byPath["outer.zip/inner.zip/eicar.com"].Depth != 2 {
		t.Fatalf("%+v", byPath)
	}
}

func TestCleanZipIsNotMalicious(t *testing.T) {
	report, err := rulesEngine(t).ScanBytes(makeZip(t, member{"a.txt", []byte("plain text\n")}), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objects(t, report) {
		if o.Verdict == assay.VerdictMalicious {
			t.Fatalf("%+v", o)
		}
	}
}
