// The one table that says which unpacker opens which format.
#include <utility>

#include "unpack/formats.h"

namespace assay {
namespace {

constexpr std::pair<FileFormat, UnpackerFactory> kUnpackers[] = {
    {FileFormat::Zip, unpack_zip},         {FileFormat::Jar, unpack_zip},
    {FileFormat::Apk, unpack_zip},         {FileFormat::Docx, unpack_zip},
    {FileFormat::Xlsx, unpack_zip},        {FileFormat::Pptx, unpack_zip},
    {FileFormat::Odt, unpack_zip},         {FileFormat::Ods, unpack_zip},
    {FileFormat::Odp, unpack_zip},         {FileFormat::SevenZip, unpack_7zip},
    {FileFormat::Rar4, unpack_rar},        {FileFormat::Rar5, unpack_rar5},
    {FileFormat::Tar, unpack_tar},         {FileFormat::Cpio, unpack_cpio},
    {FileFormat::Ar, unpack_ar},           {FileFormat::Deb, unpack_ar},
    {FileFormat::Cab, unpack_cab},         {FileFormat::Iso9660, unpack_iso9660},
    {FileFormat::Xar, unpack_xar},         {FileFormat::Lzh, unpack_lha},
    {FileFormat::Rpm, unpack_rpm},         {FileFormat::Gzip, unpack_gzip},
    {FileFormat::Bzip2, unpack_bzip2},     {FileFormat::Xz, unpack_xz},
    {FileFormat::Lzma, unpack_lzma},       {FileFormat::Lzip, unpack_lzip},
    {FileFormat::Zstd, unpack_zstd},       {FileFormat::Lz4, unpack_lz4},
    {FileFormat::UnixCompress, unpack_compress},
    {FileFormat::PeExe, unpack_pe},        {FileFormat::PeDll, unpack_pe},
    {FileFormat::PePlusExe, unpack_pe},    {FileFormat::PePlusDll, unpack_pe},
    {FileFormat::MachOFat, unpack_macho_fat},
    {FileFormat::Ole2, unpack_ole2},       {FileFormat::Doc, unpack_ole2},
    {FileFormat::Xls, unpack_ole2},        {FileFormat::Ppt, unpack_ole2},
    {FileFormat::Msi, unpack_msi},         {FileFormat::Outlook, unpack_outlook},
    {FileFormat::Email, unpack_email},     {FileFormat::Mbox, unpack_mbox},
    {FileFormat::Tnef, unpack_tnef},
    {FileFormat::Pdf, unpack_pdf},         {FileFormat::Rtf, unpack_rtf},
    {FileFormat::Html, unpack_html},
};

}  // namespace

UnpackerFactory find_unpacker(FileFormat format) {
  for (const auto& [known, factory] : kUnpackers) {
    if (known == format) return factory;
  }
  return nullptr;
}

}  // namespace assay
