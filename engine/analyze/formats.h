// Internal to analyze/: the per-format analyzers that registry.cpp lists.
#pragma once

#include "analyze/analyzer.h"

namespace assay {

void analyze_pe(ByteSpan bytes, Entry& entry);
void analyze_elf(ByteSpan bytes, Entry& entry);
void analyze_macho(ByteSpan bytes, Entry& entry);
void analyze_macho_fat(ByteSpan bytes, Entry& entry);
void analyze_ole2(ByteSpan bytes, Entry& entry);
void analyze_outlook_msg(ByteSpan bytes, Entry& entry);
void analyze_office_open(ByteSpan bytes, Entry& entry);
void analyze_email(ByteSpan bytes, Entry& entry);
void analyze_pdf(ByteSpan bytes, Entry& entry);

// X(file format, analyzer)
#define ASSAY_ANALYZERS(X)          \
  X(PeExe, analyze_pe)              \
  X(PeDll, analyze_pe)              \
  X(PePlusExe, analyze_pe)          \
  X(PePlusDll, analyze_pe)          \
  X(ElfExecutable, analyze_elf)     \
  X(ElfSharedObject, analyze_elf)   \
  X(ElfRelocatable, analyze_elf)    \
  X(ElfCore, analyze_elf)           \
  X(MachOExecutable, analyze_macho) \
  X(MachODylib, analyze_macho)      \
  X(MachOBundle, analyze_macho)     \
  X(MachOObject, analyze_macho)     \
  X(MachOFat, analyze_macho_fat)    \
  X(Ole2, analyze_ole2)             \
  X(Doc, analyze_ole2)              \
  X(Xls, analyze_ole2)              \
  X(Ppt, analyze_ole2)              \
  X(Msi, analyze_ole2)              \
  X(Outlook, analyze_outlook_msg)   \
  X(Docx, analyze_office_open)      \
  X(Xlsx, analyze_office_open)      \
  X(Pptx, analyze_office_open)      \
  X(Odt, analyze_office_open)       \
  X(Ods, analyze_office_open)       \
  X(Odp, analyze_office_open)       \
  X(Email, analyze_email)           \
  X(Pdf, analyze_pdf)

}  // namespace assay
