/*
 * The constructs community rule sets (signature-base, YARA-Rules, ReversingLabs' own) rely on, in
 * rules of our own: modules, private rules, the THOR/LOKI external variables with matches/contains,
 * wide/fullword/nocase/xor/base64 strings, hex jumps, counts and loops. It must compile unchanged and
 * each rule must behave as its comment says on the generated samples.
 */
import "pe"
import "elf"
import "math"
import "hash"
import "dotnet"

private rule Is_MZ
{
  condition:
    uint16(0) == 0x5a4d
}

// Never matches the samples: exercises pe, elf and dotnet the way signature-base does.
rule Community_PE_Anomaly
{
  meta:
    author = "assay tests"
    score = 60
  strings:
    $s1 = "svchost.exe" wide nocase fullword
    $s2 = { 4D 5A [2-64] 50 45 00 00 }
    $s3 = "cmd.exe" xor(0x01-0xff)
    $s4 = "powershell" base64
  condition:
    Is_MZ and pe.is_pe and pe.number_of_sections > 2 and 1 of ($s*)
    and not filepath contains "Windows"
    and not filename matches /(svchost|explorer)\.exe$/is
    or (elf.type == elf.ET_EXEC and dotnet.is_dotnet)
}

// Matches hello.txt by its MD5 through the hash module and the filename external.
rule Community_Hash_And_Name
{
  meta:
    description = "hash module plus externals"
  condition:
    filesize < 1KB and hash.md5(0, filesize) == "793367d5c0ce1e07408ae90902c4578e" and filename matches /^hello\.txt$/i
    and extension == ".txt" and owner == ""
}

// Matches random.bin: high entropy over the whole file.
rule Community_Entropy
{
  condition:
    filesize > 32KB and math.entropy(0, filesize) > 7.9 and filetype == "Binary"
}

// Matches script.sh: counts, offsets and a loop over matches.
rule Community_Counts
{
  strings:
    $echo = "echo" fullword
    $bang = "#!"
  condition:
    $bang at 0 and #echo >= 1 and for all i in (1..#echo) : (@echo[i] > 0)
}
