#!/usr/bin/env bash
# Generates Assay's benign test corpus into OUT_DIR with real tools (see samples/README.md).
#
#   samples/generate.sh OUT_DIR
#
# Cheap to rerun: OUT_DIR/.complete holds the sha256 of the generator scripts (this file and
# corpus.py); when it matches, nothing is done. Otherwise OUT_DIR's contents are removed and the
# corpus is generated from scratch. Writes only inside OUT_DIR and one mktemp directory (removed
# on exit). No network, no root. Deterministic where the tools allow: fixed mtimes, TZ=UTC,
# LC_ALL=C, SOURCE_DATE_EPOCH, seeded pseudo-random data (encrypted archives carry random salts).
set -euo pipefail

export TZ=UTC LC_ALL=C SOURCE_DATE_EPOCH=1700000000
EPOCH=1700000000
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GENERATORS=(generate.sh corpus.py)
MARKER=.assay-samples

die() { echo "generate.sh: $*" >&2; exit 1; }
[ $# -eq 1 ] && [ -n "$1" ] || die "usage: generate.sh OUT_DIR"

mkdir -p -- "$1"
OUT=$(cd -- "$1" && pwd -P)
STAMP=$(cd "$HERE" && sha256sum "${GENERATORS[@]}" | sha256sum | cut -d' ' -f1)

if [ -f "$OUT/.complete" ] && [ "$(cat "$OUT/.complete")" = "$STAMP" ]; then
  exit 0
fi

# Refuse to wipe anything that is not (a possibly half-made) corpus of ours.
case "$OUT" in /|"${HOME:-/}"|"$HERE"|"$(dirname "$HERE")") die "refusing to use $OUT as OUT_DIR" ;; esac
if [ -n "$(ls -A "$OUT")" ] && [ ! -e "$OUT/$MARKER" ]; then
  die "$OUT is not empty and holds no $MARKER marker: not wiping it"
fi
find "$OUT" -mindepth 1 -delete
: > "$OUT/$MARKER"

for tool in python3 zip unzip 7z tar gzip bzip2 xz zstd lz4 lzip cpio ar gcab xorriso rpmbuild dpkg-deb \
            md5sum sha1sum sha256sum; do
  command -v "$tool" >/dev/null || die "missing tool: $tool (run scripts/bootstrap.sh)"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/assay-samples.XXXXXX")
JOBS=()
cleanup() {
  local pid
  for pid in "${JOBS[@]}"; do
    pkill -P "$pid" 2>/dev/null || true   # the job's own children (python, gzip), by parent id
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf -- "$TMP"
}
trap cleanup EXIT

py() { python3 "$HERE/corpus.py" "$@"; }
fix() { touch -h -d "@$EPOCH" -- "$@"; }          # fixed mtime, so archives are reproducible
zipq() { zip -q -X -9 "$@"; }                       # -X: no uid/gid/extended time fields
tarq() { tar --format=gnu --sort=name --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner "$@"; }

SRC=$OUT/src F=$OUT/formats N=$OUT/nested E=$OUT/encrypted C=$OUT/corrupt G=$OUT/edge B=$OUT/bombs
mkdir -p "$F" "$N" "$E" "$C" "$G" "$B"

# --- bombs (the slow part: ~1 GiB of zeros twice) run in the background ------------------------
(
  head -c 1G /dev/zero | gzip -1 -n > "$B/zeros-1g.gz"
  fix "$B/zeros-1g.gz"
) & JOBS+=($!)
(
  py zeros-zip "$B/zeros-1g.zip" $((1 << 30)) zeros.bin
  py overlap-zip "$B/overlap.zip"
  # 42.zip-style: the leaf is zeros-1g.zip; 4 levels of 16 copies each (16^4 GiB = 64 TiB).
  w=$TMP/bomb && mkdir -p "$w" && cd "$w"
  prev=$B/zeros-1g.zip
  for level in doc chapter book lib; do
    mkdir "$level" && names=()
    for h in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
      cp "$prev" "$level/$level$h.zip" && names+=("$level$h.zip")
    done
    fix "$level"/*
    (cd "$level" && zipq "../$level.zip" "${names[@]}")
    fix "$level.zip"
    prev=$w/$level.zip
  done
  cp "$prev" "$B/nested-42.zip"
  fix "$B/nested-42.zip"
) & JOBS+=($!)

# --- src ---------------------------------------------------------------------------------------
py src "$SRC"

# staging copy of the two members every container holds
S=$TMP/stage && mkdir -p "$S"
cp -p "$SRC/hello.txt" "$SRC/random.bin" "$S/"
MEMBERS=(hello.txt random.bin)

# --- formats: containers -----------------------------------------------------------------------
cd "$S"
zipq "$F/sample.zip" "${MEMBERS[@]}"
7z a -bd -bso0 -bsp0 -mmt=1 "$F/sample.7z" "${MEMBERS[@]}"
tarq -cf "$F/sample.tar" "${MEMBERS[@]}"
gzip -9 -n -c "$F/sample.tar" > "$F/sample.tar.gz"
bzip2 -9 -c "$F/sample.tar" > "$F/sample.tar.bz2"
xz -T1 -c "$F/sample.tar" > "$F/sample.tar.xz"
zstd -q -19 -c "$F/sample.tar" > "$F/sample.tar.zst"
lz4 -q -9 -c "$F/sample.tar" > "$F/sample.tar.lz4"
lzip -9 -c "$F/sample.tar" > "$F/sample.tar.lz"
printf '%s\n' "${MEMBERS[@]}" | cpio -o -H newc --reproducible --quiet > "$F/sample.cpio"
ar rcD "$F/sample.a" "${MEMBERS[@]}"
gcab -c -n "$F/sample.cab" "${MEMBERS[@]}"

# .deb: data.tar.xz holds ./usr/share/assay-sample/{hello.txt,random.bin}
pkg=$TMP/deb/assay-sample
mkdir -p "$pkg/DEBIAN" "$pkg/usr/share/assay-sample"
cp -p "${MEMBERS[@]}" "$pkg/usr/share/assay-sample/"
cat > "$pkg/DEBIAN/control" <<'EOF'
Package: assay-sample
Version: 1.0-1
Architecture: all
Maintainer: Assay tests <tests@assay.invalid>
Section: misc
Priority: optional
Description: benign sample package for the Assay test corpus
 Holds hello.txt and random.bin under /usr/share/assay-sample.
EOF
find "$pkg" -exec touch -h -d "@$EPOCH" {} +
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$F/sample.deb" > /dev/null

# .iso: Rock Ridge + Joliet, so names survive
mkdir -p "$TMP/iso" && cp -p "${MEMBERS[@]}" "$TMP/iso/" && fix "$TMP/iso"
xorriso -as mkisofs -quiet -R -J -V ASSAY_SAMPLE -o "$F/sample.iso" "$TMP/iso" 2> "$TMP/xorriso.log" \
  || { cat "$TMP/xorriso.log" >&2; exit 1; }

# .rpm: rpmbuild in a throw-away topdir, gzip payload, no scripts, no debuginfo, no rpmdb
top=$TMP/rpm && mkdir -p "$top"/{BUILD,BUILDROOT,RPMS,SOURCES,SPECS,SRPMS,tmp}
cp -p "${MEMBERS[@]}" "$top/SOURCES/"
cat > "$top/SPECS/assay-sample.spec" <<'EOF'
Name:      assay-sample
Version:   1.0
Release:   1
Summary:   Benign sample package for the Assay test corpus
License:   MIT
BuildArch: noarch
Source0:   hello.txt
Source1:   random.bin

%description
Holds hello.txt and random.bin under /usr/share/assay-sample.

%install
mkdir -p %{buildroot}/usr/share/assay-sample
install -m 0644 %{SOURCE0} %{SOURCE1} %{buildroot}/usr/share/assay-sample/
touch -h -d @1700000000 %{buildroot}/usr/share/assay-sample %{buildroot}/usr/share/assay-sample/*

%files
%defattr(-,root,root,-)
/usr/share/assay-sample/hello.txt
/usr/share/assay-sample/random.bin
EOF
rpmbuild -bb --nodeps --quiet \
  --define "_topdir $top" --define "_tmppath $top/tmp" --define "_dbpath $top/db" \
  --define "_binary_payload w9.gzdio" --define "debug_package %{nil}" --define "__os_install_post %{nil}" \
  --define "_build_id_links none" --define "_buildhost assay.invalid" \
  --define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1" \
  "$top/SPECS/assay-sample.spec" > "$TMP/rpmbuild.log" 2>&1 || { cat "$TMP/rpmbuild.log" >&2; exit 1; }
cp "$top/RPMS/noarch/assay-sample-1.0-1.noarch.rpm" "$F/sample.rpm"

# formats with no Debian writer: python, following the published format documents
py xar "$F/sample.xar" "${MEMBERS[@]}"
py lzh "$F/sample.lzh" "${MEMBERS[@]}"
py rar4 "$F/sample.rar" "${MEMBERS[@]}"
py rar5 "$F/sample.rar5" "${MEMBERS[@]}"

# --- formats: single raw compressed streams of hello.txt ---------------------------------------
RAW=(hello.txt.gz hello.txt.bz2 hello.txt.xz hello.txt.lzma hello.txt.zst hello.txt.lz4 hello.txt.lz)
gzip -9 -n -c hello.txt > "$F/hello.txt.gz"
bzip2 -9 -c hello.txt > "$F/hello.txt.bz2"
xz -T1 -c hello.txt > "$F/hello.txt.xz"
xz -T1 --format=lzma -c hello.txt > "$F/hello.txt.lzma"
zstd -q -19 -c hello.txt > "$F/hello.txt.zst"
lz4 -q -9 -c hello.txt > "$F/hello.txt.lz4"
lzip -9 -c hello.txt > "$F/hello.txt.lz"
if command -v compress > /dev/null; then
  compress -c hello.txt > "$F/hello.txt.Z"
  RAW+=(hello.txt.Z)
else
  echo "generate.sh: no compress (package ncompress): skipping formats/hello.txt.Z" >&2
fi

# --- nested ------------------------------------------------------------------------------------
w=$TMP/nested && mkdir -p "$w" && cd "$w"
cp -p "$SRC/hello.txt" "$SRC/eicar.com" .
zipq inner.zip hello.txt eicar.com && fix inner.zip
tarq -czf inner.tar.gz inner.zip && fix inner.tar.gz
7z a -bd -bso0 -bsp0 -mmt=1 "$N/nested.7z" inner.tar.gz

w=$TMP/deep && mkdir -p "$w" && cd "$w"
cp -p "$SRC/hello.txt" .
zipq level1.zip hello.txt && fix level1.zip
for i in $(seq 2 20); do
  zipq "level$i.zip" "level$((i - 1)).zip" && fix "level$i.zip"
done
cp level20.zip "$N/deep20.zip"

# --- encrypted ---------------------------------------------------------------------------------
cd "$TMP/nested"   # holds hello.txt and eicar.com
zip -q -X -P infected "$E/infected.zip" hello.txt eicar.com
zip -q -X -P not-in-the-list "$E/secret.zip" hello.txt eicar.com
7z a -bd -bso0 -bsp0 -mmt=1 -pnot-in-the-list -mhe=on "$E/secret.7z" hello.txt eicar.com

# --- corrupt -----------------------------------------------------------------------------------
half() { head -c $(($(stat -c %s "$1") / 2)) "$1" > "$2"; }
half "$F/sample.zip" "$C/truncated.zip"
half "$F/sample.tar.gz" "$C/truncated.tar.gz"
half "$F/sample.7z" "$C/truncated.7z"
cd "$S" && zip -q -X -0 "$TMP/stored.zip" hello.txt
py flip-zip "$TMP/stored.zip" "$C/badcrc.zip"
py random "$C/garbage.bin" 4096 43
py not-zip "$C/not-really.zip" 44

# --- edge --------------------------------------------------------------------------------------
: > "$G/empty.bin"
py empty-zip "$G/empty.zip"
py longname-zip "$G/longname.zip" "$SRC/hello.txt"
py longname-tar "$G/longname.tar" "$SRC/hello.txt"
py names-zip "$G/names.zip"
cp -p "$SRC/eicar.com" "$G/eicar.com"

# --- manifest ----------------------------------------------------------------------------------
hashes() { printf '%s\t%s\t%s' "$(md5sum < "$1" | cut -d' ' -f1)" "$(sha1sum < "$1" | cut -d' ' -f1)" \
  "$(sha256sum < "$1" | cut -d' ' -f1)"; }
declare -A H
for m in hello.txt random.bin eicar.com; do H[$m]=$(hashes "$SRC/$m"); done
{
  printf 'sample\tmember\tmd5\tsha1\tsha256\n'
  for s in sample.zip sample.7z sample.tar sample.tar.gz sample.tar.bz2 sample.tar.xz sample.tar.zst \
           sample.tar.lz4 sample.tar.lz sample.cpio sample.a sample.deb sample.cab sample.iso sample.rpm \
           sample.xar sample.lzh sample.rar sample.rar5; do
    for m in "${MEMBERS[@]}"; do printf 'formats/%s\t%s\t%s\n' "$s" "$m" "${H[$m]}"; done
  done
  for s in "${RAW[@]}"; do printf 'formats/%s\t%s\t%s\n' "$s" "${s%.*}" "${H[${s%.*}]}"; done
  for m in hello.txt eicar.com; do printf 'nested/nested.7z\t%s\t%s\n' "$m" "${H[$m]}"; done
  printf 'nested/deep20.zip\t%s\t%s\n' hello.txt "${H[hello.txt]}"
} > "$OUT/manifest.tsv"

# --- wait for the bombs, then seal -------------------------------------------------------------
for pid in "${JOBS[@]}"; do wait "$pid"; done
JOBS=()
echo "$STAMP" > "$OUT/.complete"
