// Strings of every kind, for comparing match offsets with the yara command-line tool.
rule Offsets_Text
{
  strings:
    $word = "hello" nocase
    $wide = "html" wide ascii
    $hex = { 3C 21 }            // "<!"
    $re = /[a-z]{4,6}\.(txt|bin)/
    $any = { 00 ?? 00 }
  condition:
    any of them
}
