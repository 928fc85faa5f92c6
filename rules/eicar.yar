/*
 * The EICAR anti-malware test file: proves detection end to end without real malware.
 * The string is split in two so that this file is not itself taken for the test file.
 */
rule EICAR_Test_File
{
  meta:
    description = "EICAR anti-malware test file"
    classification = "malicious"
    factor = 1
    threat_name = "Text.Test.EICAR"
  strings:
    $head = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
    $tail = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
  condition:
    $head at 0 and $tail at 28 and filesize <= 128
}
