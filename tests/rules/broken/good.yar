rule Hello_Seen
{
  meta:
    classification = "suspicious"
    factor = 1
  condition:
    filename == "hello.txt"
}
