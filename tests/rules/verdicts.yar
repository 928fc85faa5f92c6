// Meta-driven verdicts for the classification tests: each rule targets one sample by its name or
// type (through the external variables), so the expected verdict of every object is known.

rule Goodware_Hello
{
  meta:
    classification = "goodware"
    factor = 4
  condition:
    filename == "hello.txt"
}

rule Suspicious_Random
{
  meta:
    classification = "suspicious"
    factor = 3
  condition:
    filename == "random.bin" and extension == ".bin"
}

rule Malicious_Script
{
  meta:
    classification = "malicious"
    factor = 5
    threat_name = "Script-Shell.Trojan.Testcase"
  strings:
    $shebang = "#!"
  condition:
    filename == "script.sh" and $shebang at 0
}

rule Bare_Match_Page
{
  strings:
    $html = "<html" nocase
  condition:
    filename == "page.html" and $html
}

rule Badly_Named_Data
{
  meta:
    classification = "malicious"
    factor = 2
    threat_name = "Win32.Trojan.Generic"
  condition:
    filename == "data.json"
}

rule Named_By_Parts
{
  meta:
    classification = "suspicious"
    factor = 4
    platform = "Archive"
    subplatform = "CPIO"
    type = "Dropper"
    family = "Testcase"
  condition:
    filetype == "Archive" and filesubtype == "CPIO" and filepath == "sample.cpio"
}
