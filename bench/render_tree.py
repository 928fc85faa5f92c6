#!/usr/bin/env python3
"""Rendering cost per report type on a 1,000-object tree of real executables, through the C ABI.

    python3 bench/render_tree.py BUILD_DIR [EXECUTABLE]

Builds a stored zip of 999 copies of EXECUTABLE (default: a mingw-w64 program compiled here, else
/bin/ls), scans it once, then renders the report 20 times per type and view and prints medians, the
JSON size, MB/s and small's cost over large's. (bench_unpack's BM_Render does the same on a tree of
tiny text files, where the hashes dominate every entry.)"""
import ctypes
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

build = sys.argv[1]
lib = ctypes.CDLL(os.path.join(build, "libassay.so"))
tmp = tempfile.mkdtemp()
try:
    exe = sys.argv[2] if len(sys.argv) > 2 else None
    if exe is None and shutil.which("x86_64-w64-mingw32-gcc"):
        src = os.path.join(tmp, "p.c")
        with open(src, "w") as f:
            f.write('#include <windows.h>\nint main(void){MessageBoxA(0,"a","b",0);return IsDebuggerPresent();}\n')
        exe = os.path.join(tmp, "p.exe")
        subprocess.run(["x86_64-w64-mingw32-gcc", "-O1", "-s", "-o", exe, src], check=True)
    exe = exe or "/bin/ls"
    archive = os.path.join(tmp, "tree.zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        with open(exe, "rb") as f:
            data = f.read()
        stamp = int.from_bytes(data[0x3C:0x40], "little") + 8 if data[:2] == b"MZ" else 64
        for i in range(999):
            # Distinct hashes without adding bytes (an appended byte would become an overlay child).
            member = bytearray(data)
            member[stamp:stamp + 4] = i.to_bytes(4, "little")
            z.writestr(f"member{i:04d}.exe", bytes(member))

    engine, scanner, report = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.assay_engine_new(ctypes.byref(engine), None) == 0
    assert lib.assay_scanner_new(ctypes.byref(scanner), engine) == 0
    assert lib.assay_scan_path(scanner, archive.encode(), ctypes.byref(report)) >= 0
    count = lib.assay_report_object_count(report)
    print(f"tree: {count} objects ({os.path.basename(exe)} x 999 in a stored zip)")
    medians = {}
    for report_type in ("small", "medium", "large"):
        for view in ("nested", "flat"):
            options = ctypes.c_void_p()
            lib.assay_render_options_new(ctypes.byref(options))
            lib.assay_render_options_set_text(options, 1, report_type.encode())
            lib.assay_render_options_set_text(options, 3, view.encode())
            json_ptr, length = ctypes.c_char_p(), ctypes.c_size_t()
            runs = []
            for _ in range(20):
                start = time.perf_counter()
                assert lib.assay_report_render(report, options, ctypes.byref(json_ptr), ctypes.byref(length)) == 0
                runs.append(time.perf_counter() - start)
            median = statistics.median(runs)
            medians[(report_type, view)] = median
            print(f"{report_type:6} {view:6} median {median * 1000:8.2f} ms  json {length.value / 1e6:7.2f} MB  "
                  f"{length.value / median / 1e6:7.1f} MB/s")
            lib.assay_render_options_free(options)
    for view in ("nested", "flat"):
        print(f"small/large cost ({view}): {medians[('small', view)] / medians[('large', view)]:.3f}  (target: well under 0.25)")
finally:
    shutil.rmtree(tmp)
