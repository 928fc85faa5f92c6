// The file-type vocabulary: every format Assay names, in one table.
//
// Each row gives the report's file_type and file_subtype (the Spectra Detect shape) and the
// identification name that says exactly which format it is. Unpackers and analyzers register against
// these ids, so adding a format is one row here plus one detector in identify.cpp.
#pragma once

#include <cstdint>
#include <string_view>

namespace assay {

// X(id, file_type, file_subtype, identification_name)
#define ASSAY_FILE_FORMATS(X)                                   \
  X(Unknown, "Binary", "None", "")                              \
  X(Empty, "Binary", "Empty", "Empty")                          \
  X(PeExe, "PE", "Exe", "PE")                                   \
  X(PeDll, "PE", "Dll", "PE")                                   \
  X(PePlusExe, "PE+", "Exe", "PE+")                             \
  X(PePlusDll, "PE+", "Dll", "PE+")                             \
  X(Dos, "Binary", "DOS", "MZ")                                 \
  X(ElfExecutable, "ELF", "Executable", "ELF")                  \
  X(ElfSharedObject, "ELF", "SharedObject", "ELF")              \
  X(ElfRelocatable, "ELF", "Relocatable", "ELF")                \
  X(ElfCore, "ELF", "Core", "ELF")                              \
  X(MachOExecutable, "MachO", "Executable", "Mach-O")           \
  X(MachODylib, "MachO", "Dylib", "Mach-O")                     \
  X(MachOBundle, "MachO", "Bundle", "Mach-O")                   \
  X(MachOObject, "MachO", "Object", "Mach-O")                   \
  X(MachOFat, "MachO", "Fat", "Mach-O Universal")               \
  X(Zip, "Archive", "ZIP", "ZIP")                               \
  X(Jar, "Archive", "JAR", "JAR")                               \
  X(Apk, "Archive", "APK", "APK")                               \
  X(SevenZip, "Archive", "7-Zip", "7-Zip")                      \
  X(Rar4, "Archive", "RAR", "RAR4")                             \
  X(Rar5, "Archive", "RAR", "RAR5")                             \
  X(Gzip, "Archive", "GZIP", "GZIP")                            \
  X(Bzip2, "Archive", "BZIP2", "BZIP2")                         \
  X(Xz, "Archive", "XZ", "XZ")                                  \
  X(Lzma, "Archive", "LZMA", "LZMA")                            \
  X(Lzip, "Archive", "LZIP", "LZIP")                            \
  X(Zstd, "Archive", "ZSTD", "Zstandard")                       \
  X(Lz4, "Archive", "LZ4", "LZ4")                               \
  X(UnixCompress, "Archive", "Z", "compress")                   \
  X(Tar, "Archive", "TAR", "TAR")                               \
  X(Cpio, "Archive", "CPIO", "CPIO")                            \
  X(Ar, "Archive", "AR", "ar")                                  \
  X(Deb, "Archive", "DEB", "Debian package")                    \
  X(Cab, "Archive", "CAB", "Microsoft Cabinet")                 \
  X(Iso9660, "Archive", "ISO", "ISO 9660")                      \
  X(Rpm, "Archive", "RPM", "RPM")                               \
  X(Xar, "Archive", "XAR", "XAR")                               \
  X(Lzh, "Archive", "LZH", "LZH")                               \
  X(Ole2, "Document", "OLE", "OLE2")                            \
  X(Doc, "Document", "Word", "Microsoft Word 97-2003")          \
  X(Xls, "Document", "Excel", "Microsoft Excel 97-2003")        \
  X(Ppt, "Document", "PowerPoint", "Microsoft PowerPoint 97-2003") \
  X(Msi, "Installer", "MSI", "Windows Installer")               \
  X(Docx, "Document", "Word", "Office Open XML Document")       \
  X(Xlsx, "Document", "Excel", "Office Open XML Workbook")       \
  X(Pptx, "Document", "PowerPoint", "Office Open XML Presentation") \
  X(Odt, "Document", "ODT", "OpenDocument Text")                \
  X(Ods, "Document", "ODS", "OpenDocument Spreadsheet")         \
  X(Odp, "Document", "ODP", "OpenDocument Presentation")        \
  X(Pdf, "Document", "PDF", "PDF")                              \
  X(Rtf, "Document", "RTF", "RTF")                              \
  X(Email, "Text", "Email", "EML")                              \
  X(Html, "Text", "HTML", "HTML")                               \
  X(Xml, "Text", "XML", "XML")                                  \
  X(Json, "Text", "JSON", "JSON")                               \
  X(ShellScript, "Text", "Shell", "Shell script")               \
  X(PythonScript, "Text", "Python", "Python script")            \
  X(PerlScript, "Text", "Perl", "Perl script")                  \
  X(RubyScript, "Text", "Ruby", "Ruby script")                  \
  X(PhpScript, "Text", "PHP", "PHP script")                     \
  X(NodeScript, "Text", "JavaScript", "Node.js script")         \
  X(PowerShell, "Text", "PowerShell", "PowerShell script")      \
  X(VbScript, "Text", "VBS", "VBScript")                        \
  X(JavaScript, "Text", "JavaScript", "JavaScript")             \
  X(Batch, "Text", "Batch", "Batch script")                     \
  X(PlainText, "Text", "None", "Text")                          \
  X(Png, "Image", "PNG", "PNG")                                 \
  X(Jpeg, "Image", "JPEG", "JPEG")                              \
  X(Gif, "Image", "GIF", "GIF")                                 \
  X(Bmp, "Image", "BMP", "BMP")                                 \
  X(Tiff, "Image", "TIFF", "TIFF")                              \
  X(Ico, "Image", "ICO", "ICO")                                 \
  X(WebP, "Image", "WebP", "WebP")                              \
  X(Wav, "Audio", "WAV", "WAVE")                                \
  X(Mp3, "Audio", "MP3", "MP3")                                 \
  X(Flac, "Audio", "FLAC", "FLAC")                              \
  X(Ogg, "Audio", "OGG", "Ogg")                                 \
  X(Mp4, "Video", "MP4", "ISO Media")                           \
  X(Avi, "Video", "AVI", "AVI")                                 \
  X(Matroska, "Video", "MKV", "Matroska")                       \
  X(Flv, "Video", "FLV", "Flash Video")                         \
  X(Binary, "Binary", "None", "Binary")                         \
  X(Outlook, "Document", "Outlook", "Microsoft Outlook Message") \
  X(Mbox, "Text", "Mbox", "mbox")                               \
  X(Tnef, "Archive", "TNEF", "MS-TNEF")

enum class FileFormat : uint16_t {
#define ASSAY_FORMAT_ENUM(id, type, subtype, name) id,
  ASSAY_FILE_FORMATS(ASSAY_FORMAT_ENUM)
#undef ASSAY_FORMAT_ENUM
};

struct FormatInfo {
  std::string_view file_type;
  std::string_view file_subtype;
  std::string_view identification;  // empty: identification.success is false
};

const FormatInfo& format_info(FileFormat format);

// All formats, in table order; for tests and documentation.
size_t format_count();
FileFormat format_at(size_t index);

}  // namespace assay
