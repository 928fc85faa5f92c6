/*
 * A handful of generic, benign-by-construction rules shipped with Assay. They name no families (a
 * generic family is not a threat name); they raise an object to suspicious and say why.
 */

rule PowerShell_Encoded_Command
{
  meta:
    description = "PowerShell started with an encoded command"
    classification = "suspicious"
    factor = 2
  strings:
    $ps = "powershell" nocase
    $enc1 = /\s-e(nc(odedcommand)?)?\s+[A-Za-z0-9+\/=]{40,}/ nocase
  condition:
    filesize < 5MB and $ps and $enc1
}

rule Script_Download_And_Execute
{
  meta:
    description = "A script that downloads content and executes it"
    classification = "suspicious"
    factor = 2
  strings:
    $dl1 = "DownloadString" nocase
    $dl2 = "DownloadFile" nocase
    $dl3 = "Invoke-WebRequest" nocase
    $dl4 = "MSXML2.XMLHTTP" nocase
    $ex1 = "Invoke-Expression" nocase
    $ex2 = "IEX(" nocase
    $ex3 = "IEX (" nocase
    $ex4 = "WScript.Shell" nocase
    $ex5 = "Start-Process" nocase
  condition:
    filesize < 5MB and any of ($dl*) and any of ($ex*)
}

rule Executable_Embedded_In_Document
{
  meta:
    description = "A Windows executable header inside a document"
    classification = "suspicious"
    factor = 3
  strings:
    $mz_stub = "This program cannot be run in DOS mode"
  condition:
    (filetype == "Document" or filetype == "Text") and $mz_stub
}

rule JavaScript_Obfuscated_Eval
{
  meta:
    description = "JavaScript that evaluates decoded or assembled strings"
    classification = "suspicious"
    factor = 1
  strings:
    $eval = "eval(" nocase
    $d1 = "unescape(" nocase
    $d2 = "atob(" nocase
    $d3 = "String.fromCharCode(" nocase
  condition:
    filesize < 2MB and $eval and 2 of ($d*)
}
