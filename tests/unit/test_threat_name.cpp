#include <doctest/doctest.h>

#include "classify/heuristics.h"
#include "classify/threat_name.h"

using assay::is_valid_threat_name;
using assay::threat_name_problem;

TEST_CASE("threat names follow Platform[-Subplatform].Type.Family") {
  CHECK(is_valid_threat_name("Win32.Trojan.Emotet"));
  CHECK(is_valid_threat_name("Document-PDF.Exploit.CVE-2010-0188"));
  CHECK(is_valid_threat_name("Script-JS.Downloader.Nemucod"));
  CHECK(is_valid_threat_name("Text.Test.EICAR"));
  CHECK(is_valid_threat_name("ByteCode-JAR.Trojan.Adwind"));
  CHECK(is_valid_threat_name("Win64.Ransomware.Lockbit_3"));
}

TEST_CASE("malformed names say what is wrong") {
  CHECK(threat_name_problem("Trojan.Emotet").find("three") != std::string::npos);
  CHECK(threat_name_problem("Win32.Trojan.Emotet.B").find("three") != std::string::npos);
  CHECK(threat_name_problem("Amiga.Trojan.Emotet").find("unknown platform") != std::string::npos);
  CHECK(threat_name_problem("Win32-X86.Trojan.Emotet").find("no subplatform") != std::string::npos);
  CHECK(threat_name_problem("Script-.Trojan.X").find("subplatform") != std::string::npos);
  CHECK(threat_name_problem("Win32.Nasty.Emotet").find("unknown type") != std::string::npos);
  CHECK(threat_name_problem("Win32.Trojan.Generic").find("generic family") != std::string::npos);
  CHECK(threat_name_problem("Win32.Trojan.gen").find("generic family") != std::string::npos);
  CHECK(threat_name_problem("Win32.Trojan.").find("malformed family") != std::string::npos);
  CHECK(threat_name_problem("Win32.Trojan.Emo tet").find("malformed family") != std::string::npos);
  CHECK_FALSE(is_valid_threat_name(""));
  CHECK_FALSE(is_valid_threat_name(".."));
}

TEST_CASE("EICAR is recognised exactly, with trailing whitespace only") {
  const std::string eicar = std::string("X5O!P%@AP[4\\PZX54(P^)7CC)7}$") + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
  const auto span = [](const std::string& s) { return assay::ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  CHECK(assay::is_eicar(span(eicar)));
  CHECK(assay::is_eicar(span(eicar + "\r\n  ")));
  CHECK_FALSE(assay::is_eicar(span(eicar + "x")));
  CHECK_FALSE(assay::is_eicar(span(" " + eicar)));
  CHECK_FALSE(assay::is_eicar(span(eicar.substr(0, 67))));
  CHECK_FALSE(assay::is_eicar(span(eicar + std::string(61, ' '))));  // over 128 bytes in all
}
