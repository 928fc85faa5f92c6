// Every indicator id and category Assay emits, in one list: clients key on these numbers, so they
// are stable once released. Ids are grouped by who raises them.
#pragma once

#include <cstdint>

namespace assay {

enum IndicatorId : uint32_t {
  // classify/heuristics.cpp and classify/verdict.cpp
  kIndicatorEicar = 1001,
  kIndicatorDecompressionBomb = 1002,
  kIndicatorEncrypted = 1003,
  kIndicatorDisguisedExecutable = 1004,
  kIndicatorDoubleExtension = 1005,
  kIndicatorYaraMatch = 1100,
  kIndicatorContainsThreat = 1200,
  // analyze/elf.cpp
  kIndicatorElfWritableExecutable = 1301,
  kIndicatorElfEntryOutsideCode = 1302,
  kIndicatorElfHighEntropySection = 1303,
  kIndicatorElfUpx = 1304,
  // analyze/macho.cpp, macho_signature.cpp
  kIndicatorMachOWritableExecutable = 1305,
  kIndicatorMachOHighEntropySection = 1306,
  kIndicatorMachOExecutableStack = 1307,
  kIndicatorMachOSignatureMismatch = 1308,
  // analyze/pe.cpp, pe_authenticode.cpp
  kIndicatorPeWritableExecutable = 1401,
  kIndicatorPeEntryOutsideCode = 1402,
  kIndicatorPeBadChecksum = 1403,
  kIndicatorPeFutureTimestamp = 1404,
  kIndicatorPeSignatureMismatch = 1405,
  // analyze/pe_capabilities.cpp: 1410..1417, one per capability
  kIndicatorPeCapabilityFirst = 1410,
  // analyze/vba_indicators.cpp (VBA macros in OLE2 documents) and analyze/office_open.cpp (OOXML, ODF)
  kIndicatorVbaMacros = 1701,
  kIndicatorVbaAutoExec = 1702,
  kIndicatorVbaSuspiciousCall = 1703,
  kIndicatorVbaNativeCall = 1704,
  kIndicatorVbaObfuscation = 1705,
  kIndicatorDocumentRemoteTemplate = 1710,
  kIndicatorDocumentExternalObject = 1711,
  kIndicatorDocumentExternalFrame = 1712,
  kIndicatorDocumentExternalLink = 1713,
  kIndicatorDocumentEmbeddedObject = 1714,
  kIndicatorDocumentMacroEnabled = 1715,
  // analyze/pdf.cpp
  kIndicatorPdfJavaScript = 1801,
  kIndicatorPdfOpenAction = 1802,
  kIndicatorPdfAdditionalActions = 1803,
  kIndicatorPdfLaunch = 1804,
  kIndicatorPdfEmbeddedFile = 1805,
  kIndicatorPdfUri = 1806,
  kIndicatorPdfAcroForm = 1807,
  kIndicatorPdfXfa = 1808,
  // unpack/rtf.cpp
  kIndicatorRtfEmbeddedObject = 1821,
  kIndicatorRtfEquationEditor = 1822,
  kIndicatorRtfObjUpdate = 1823,
  kIndicatorRtfOleLink = 1824,
  kIndicatorRtfMalformed = 1825,
  // unpack/html.cpp
  kIndicatorHtmlLongEncodedString = 1841,
  kIndicatorHtmlDecodeAndEval = 1842,
  kIndicatorHtmlWritesDecodedContent = 1843,
};

enum IndicatorCategory : uint32_t {
  kCategoryDetection = 1,
  kCategoryEvasion = 2,
  kCategoryPacking = 3,
  kCategoryCapability = 4,
};

}  // namespace assay
