#!/usr/bin/env bash
# Checks a corpus made by samples/generate.sh with independent, real readers:
#   samples/verify.sh OUT_DIR
# - every formats/ container lists both members, with its own tool and with bsdtar (libarchive)
#   and/or 7z;
# - every manifest.tsv line: the member extracted by a real tool has the listed md5/sha1/sha256;
# - the python-written formats (xar, lzh, rar, rar5) pass `7z t` (header and data checksums);
# - encrypted/, corrupt/, edge/ and bombs/ samples have the properties their names promise.
# Needs bsdtar (Debian package libarchive-tools) on top of the generator's tools.
# Ends with 'N passed, N failed'; exits non-zero on any failure.
set -uo pipefail
export LC_ALL=C TZ=UTC

[ $# -eq 1 ] || { echo "usage: verify.sh OUT_DIR" >&2; exit 2; }
OUT=$(cd -- "$1" && pwd -P) || exit 2
command -v bsdtar > /dev/null || { echo "verify.sh: needs bsdtar (apt-get install libarchive-tools)" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/assay-verify.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT
cd "$OUT"

pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@" > "$TMP/out" 2>&1; then ok; else bad "$what"; sed 's/^/    /' "$TMP/out" | head -5; fi; }
# lists MEMBERS: the listing command's output must name both members
lists() { local what=$1; shift; local out; out=$("$@" 2>&1) || { bad "$what: lister failed"; return; }
  for m in hello.txt random.bin; do grep -q "$m" <<< "$out" || { bad "$what: $m not listed"; return; }; done; ok; }

# --- formats/ listings --------------------------------------------------------------------------
for s in formats/sample.*; do
  case $s in
    *.zip)  lists "$s unzip -l" unzip -l "$s" ;;
    *.tar.lz4) lists "$s tar -I lz4 -tf" tar -I lz4 -tf "$s" ;;  # GNU tar does not sniff lz4
    *.tar|*.tar.*) lists "$s tar -tf" tar -tf "$s" ;;
    *.cpio) lists "$s cpio -t" cpio -it --quiet -F "$s" ;;
    *.a)    lists "$s ar t" ar t "$s" ;;
    *.deb)  lists "$s dpkg-deb -c" dpkg-deb -c "$s" ;;
    *.cab)  lists "$s gcab -t" gcab -t "$s" ;;
    *.iso)  lists "$s xorriso -find" xorriso -indev "$s" -find / -type f ;;
    *.rpm)  lists "$s rpm -qlp" rpm -qlp "$s" ;;
  esac
  case $s in
    *.deb)  lists "$s bsdtar (data.tar)" sh -c 'dpkg-deb --fsys-tarfile "$1" | bsdtar -tf -' _ "$s" ;;
    *.rpm)  lists "$s bsdtar" bsdtar -tf "$s" ;;
    *)      lists "$s bsdtar -tf" bsdtar -tf "$s" ;;
  esac
  case $s in
    *.zip|*.7z|*.tar|*.cpio|*.a|*.cab|*.iso|*.xar|*.lzh|*.rar|*.rar5) lists "$s 7z l" 7z l "$s" ;;
  esac
  case $s in
    *.7z|*.xar|*.lzh|*.rar|*.rar5|*.cab) check "$s 7z t" 7z t "$s" ;;
  esac
done
check "formats/sample.zip unzip -t" unzip -tq formats/sample.zip

# --- manifest: extract each member with a real tool and compare hashes -------------------------
extract() { # sample member -> member bytes on stdout
  local s=$1 m=$2 p=./usr/share/assay-sample/$2
  case $s in
    *.zip)     unzip -p "$s" "$m" ;;
    *.7z)      7z e -so "$s" "$m" ;;
    *.tar.lz4) tar -I lz4 -xOf "$s" "$m" ;;
    *.tar|*.tar.*) tar -xOf "$s" "$m" ;;
    *.cpio)    cpio -i --quiet --to-stdout "$m" < "$s" ;;
    *.a)       ar p "$s" "$m" ;;
    *.deb)     dpkg-deb --fsys-tarfile "$s" | tar -xO "$p" ;;
    *.rpm)     rpm2cpio "$s" | cpio -i --quiet --to-stdout "$p" ;;
    *.cab)     rm -rf "$TMP/cab" && mkdir "$TMP/cab" && gcab -x -C "$TMP/cab" "$s" > /dev/null && cat "$TMP/cab/$m" ;;
    *.iso)     xorriso -osirrox on -indev "$s" -extract "/$m" "$TMP/iso.$m" > /dev/null 2>&1 && cat "$TMP/iso.$m" && rm -f "$TMP/iso.$m" ;;
    *.xar|*.lzh|*.rar|*.rar5) bsdtar -xOf "$s" "$m" ;;
    *.gz)      gzip -dc "$s" ;;
    *.bz2)     bzip2 -dc "$s" ;;
    *.xz)      xz -dc "$s" ;;
    *.lzma)    xz -dc --format=lzma "$s" ;;
    *.zst)     zstd -qdc "$s" ;;
    *.lz4)     lz4 -qdc "$s" ;;
    *.lz)      lzip -dc "$s" ;;
    *.Z)       gzip -dc "$s" ;;
    *)         return 1 ;;
  esac
}
# a second, independent reader where one exists
extract2() {
  local s=$1 m=$2
  case $s in
    nested/*|*.deb|*/hello.txt.lz4|*/hello.txt.lz) return 3 ;;   # no second reader here
    */hello.txt.*) 7z e -so "$s" ;;
    *.rpm)     bsdtar -xOf "$s" "./usr/share/assay-sample/$m" ;;
    *.xar|*.lzh|*.rar|*.rar5) 7z e -so "$s" "$m" ;;
    *)         bsdtar -xOf "$s" "$m" ;;
  esac
}
digest() { printf '%s\t%s\t%s' "$(md5sum < "$1" | cut -d' ' -f1)" "$(sha1sum < "$1" | cut -d' ' -f1)" \
  "$(sha256sum < "$1" | cut -d' ' -f1)"; }

while IFS=$'\t' read -r s m md5 sha1 sha256; do
  [ "$s" = sample ] && continue
  want=$(printf '%s\t%s\t%s' "$md5" "$sha1" "$sha256")
  case $s in
    nested/nested.7z)
      { 7z e -so "$s" inner.tar.gz | tar -xzO inner.zip > "$TMP/inner.zip" && unzip -p "$TMP/inner.zip" "$m"; } > "$TMP/m" 2>/dev/null ;;
    nested/deep20.zip)
      cp "$s" "$TMP/z" && for i in $(seq 19 -1 1); do unzip -p "$TMP/z" "level$i.zip" > "$TMP/z2" && mv "$TMP/z2" "$TMP/z"; done
      unzip -p "$TMP/z" "$m" > "$TMP/m" ;;
    *) extract "$s" "$m" > "$TMP/m" 2>/dev/null ;;
  esac
  if [ "$(digest "$TMP/m")" = "$want" ]; then ok; else bad "$s $m: extracted bytes differ from manifest"; fi
  extract2 "$s" "$m" > "$TMP/m" 2>/dev/null; rc=$?
  if [ $rc -ne 3 ]; then
    if [ "$(digest "$TMP/m")" = "$want" ]; then ok; else bad "$s $m (second reader): bytes differ from manifest"; fi
  fi
done < manifest.tsv

# --- encrypted ----------------------------------------------------------------------------------
check "infected.zip opens with 'infected'" sh -c 'unzip -tq -P infected encrypted/infected.zip'
check "infected.zip needs a password" sh -c '! unzip -tq -P wrong encrypted/infected.zip'
check "secret.zip opens with its password" sh -c 'unzip -tq -P not-in-the-list encrypted/secret.zip'
check "secret.7z hides its names" sh -c '! 7z l -pwrong encrypted/secret.7z | grep -q hello.txt'
check "secret.7z opens with its password" 7z t -pnot-in-the-list encrypted/secret.7z

# --- corrupt ------------------------------------------------------------------------------------
check "truncated.zip fails" sh -c '! unzip -tq corrupt/truncated.zip'
check "truncated.tar.gz fails" sh -c '! gzip -t corrupt/truncated.tar.gz'
check "truncated.7z fails" sh -c '! 7z t corrupt/truncated.7z'
check "badcrc.zip lists" unzip -l corrupt/badcrc.zip
check "badcrc.zip fails its CRC" sh -c 'unzip -tq corrupt/badcrc.zip | grep -q "bad CRC"'
check "garbage.bin is 4 KiB" test "$(stat -c %s corrupt/garbage.bin)" = 4096
check "not-really.zip starts PK34" test "$(head -c 4 corrupt/not-really.zip | od -An -tx1 | tr -d ' ')" = 504b0304
check "not-really.zip is not a zip" sh -c '! unzip -tq corrupt/not-really.zip'

# --- edge ---------------------------------------------------------------------------------------
check "empty.bin is empty" test ! -s edge/empty.bin
check "empty.zip is 22 bytes" test "$(stat -c %s edge/empty.zip)" = 22
check "empty.zip is valid" python3 -c 'import zipfile,sys; sys.exit(len(zipfile.ZipFile("edge/empty.zip").infolist()))'
check "longname.zip: 4000-char name, right bytes" python3 -c '
import zipfile,sys; z=zipfile.ZipFile("edge/longname.zip"); (i,)=z.infolist()
sys.exit(not (len(i.filename)==4000 and z.read(i)==open("src/hello.txt","rb").read() and z.testzip() is None))'
check "longname.tar: 300-char path (bsdtar)" sh -c 'bsdtar -tf edge/longname.tar | awk "{ if (length(\$0) != 300) exit 1 }"'
check "longname.tar: 300-char path (tar)" sh -c 'tar -tf edge/longname.tar | awk "{ if (length(\$0) != 300) exit 1 }"'
check "edge/eicar.com is EICAR" test "$(sha256sum < edge/eicar.com | cut -d' ' -f1)" = 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f
check "names.zip members" python3 -c '
import zipfile,sys; n=[i.filename for i in zipfile.ZipFile("edge/names.zip").infolist()]
want={"../../etc/passwd","/abs/path.txt","dir/../x.txt"}
sys.exit(not (want <= set(n) and any(any(ord(c)<32 for c in x) for x in n) and any(ord(c)>127 for x in n for c in x)))'
check "names.zip lists (bsdtar)" env LC_ALL=C.UTF-8 bsdtar -tf edge/names.zip

# --- bombs --------------------------------------------------------------------------------------
check "zeros-1g.zip lists 1 GiB" sh -c 'unzip -l bombs/zeros-1g.zip | tail -1 | grep -q "^1073741824 "'
check "zeros-1g.zip tests ok" unzip -tq bombs/zeros-1g.zip
check "zeros-1g.gz holds 1 GiB" test "$(gzip -dc bombs/zeros-1g.gz | wc -c)" = 1073741824
check "nested-42.zip is small" test "$(stat -c %s bombs/nested-42.zip)" -lt 4000000
check "nested-42.zip: 16^4 leaves of 1 GiB" python3 -c '
import io,zipfile,sys
def walk(data, depth):
    z=zipfile.ZipFile(io.BytesIO(data)); inf=z.infolist()
    if depth==4: return sum(i.file_size for i in inf)
    assert len(inf)==16 and all(i.filename.endswith(".zip") for i in inf), [i.filename for i in inf]
    sub=walk(z.read(inf[0]), depth+1)          # the 16 copies are identical: check one
    assert len({z.getinfo(i.filename).CRC for i in inf})==1
    return 16*sub
total=walk(open("bombs/nested-42.zip","rb").read(), 0)
print(total); sys.exit(total != 16**4 * 2**30)'
check "overlap.zip lists (unzip -l)" sh -c 'unzip -l bombs/overlap.zip > /dev/null'
check "overlap.zip: < 100 KB, > 1 GB, zipfile reads its structure" python3 -c '
import os,zipfile,sys; z=zipfile.ZipFile("bombs/overlap.zip"); t=sum(i.file_size for i in z.infolist())
print(len(z.infolist()), t); sys.exit(not (os.path.getsize("bombs/overlap.zip") < 100000 and t > 10**9))'
check "overlap.zip: every member inflates to its CRC (7z t)" 7z t bombs/overlap.zip

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
