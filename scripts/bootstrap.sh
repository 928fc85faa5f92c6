#!/usr/bin/env bash
# Installs what Assay needs to build, test and generate its samples on Debian 12, with apt-get only.
# Idempotent: packages already present are not touched, and apt is not called at all when nothing is
# missing, so running it before every build costs a fraction of a second.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config git ca-certificates
  # engine libraries (found by find_package / pkg-config, never vendored)
  libyara-dev libmagic-dev libmagic-mgc zlib1g-dev libarchive-dev libssl-dev libsimdjson-dev
  # tests and benchmarks
  doctest-dev libbenchmark-dev python3 valgrind
  # the sanitizer and fuzzing stage of scripts/test.sh: clang with its sanitizer and libFuzzer runtimes
  clang libclang-rt-14-dev
  # real Mach-O and foreign-architecture ELF test binaries, and an independent Mach-O reader to compare with
  golang-1.19-src python3-macholib
  # real tools the sample generators and the peer benchmarks run
  zip unzip p7zip-full tar gzip bzip2 xz-utils zstd lz4 lzip cpio binutils gcab xorriso rpm coreutils yara
  ncompress libarchive-tools
  # clamscan, the peer scanner of bench/compare
  clamav
  # PE analyzer tests: programs built with mingw-w64, read independently by pefile
  gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 binutils-mingw-w64-x86-64 python3-pefile osslsigncode openssl
  # signed EFI images (Microsoft- and Debian-signed boot loaders) and sbverify to check them against
  shim-signed grub-efi-amd64-signed sbsigntool
  # the reference Worker (server/): HTTP, task store, submit-url downloads
  libcpp-httplib-dev libsqlite3-dev libcurl4-openssl-dev
  # mail: tnef reads TNEF independently of Assay; ripmime and mpack (munpack) are the peer MIME unpackers
  # of bench/mime_bench.sh (LibreOffice, below, writes the .docx of the mail -> zip -> document chain test)
  tnef ripmime mpack
  # a Hub of Workers (deploy/): HAProxy in front, for the fleet test and deploy/run_fleet.sh
  haproxy
  # the Python and Go bindings (bindings/) and their tests: pytest for Debian's python3; setuptools, wheel and
  # pip to install the package offline, Go with cgo
  python3-pytest python3-setuptools python3-wheel python3-pip golang-go
  # office documents (tests/cli/test_documents.py): LibreOffice writes .doc/.docx/.odt/.xls/.xlsx; olefile
  # (Debian's python3), exiftool (with Archive::Zip for OOXML/ODF), msitools and msgconvert read them back
  libreoffice-writer-nogui libreoffice-calc-nogui python3-olefile libimage-exiftool-perl libarchive-zip-perl
  msitools libemail-outlook-message-perl libemail-address-perl
  # PDF (tests/cli/test_pdf_rtf_html.py): qpdf rewrites LibreOffice's PDFs (object streams, QDF,
  # attachments) and decodes their streams independently; pdfinfo (poppler-utils) reads their metadata
  qpdf poppler-utils
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "bootstrap: missing packages: ${missing[*]}; run as root to install them" >&2
  exit 1
fi

echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
