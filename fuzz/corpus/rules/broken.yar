rule Broken_Rule
{
  condition:
    this is not yara
}
