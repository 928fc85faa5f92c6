"""bindings_bench.py: the Python binding's side of bench/bindings_bench.sh.

Usage: python3 bindings_bench.py PAYLOAD_FILE SCANS_PER_BATCH BATCHES
Prints "name median_ns_per_scan min_ns_per_scan" lines, medians over the batches, like the C program:
  python_scan_bytes        engine.scan(payload) and dropping the report (freed by reference counting)
  python_scan_bytes_with   the same with an explicit `with report:` block
The package and the library are whatever `import assay` finds (the driver sets PYTHONPATH and
PKG_CONFIG_PATH).
"""
import statistics
import sys
import time

import assay


def timed(batches, scans, body):
    per_scan = []
    for _ in range(batches):
        start = time.perf_counter_ns()
        body(scans)
        per_scan.append((time.perf_counter_ns() - start) / scans)
    return statistics.median(per_scan), min(per_scan)


def main():
    payload_path, scans, batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(payload_path, "rb") as f:
        payload = f.read()
    with assay.Engine() as engine:
        scan = engine.scan

        def plain(n):
            for _ in range(n):
                scan(payload)

        def with_block(n):
            for _ in range(n):
                with scan(payload):
                    pass

        plain(scans)  # warm-up
        for name, body in (("python_scan_bytes", plain), ("python_scan_bytes_with", with_block)):
            median, best = timed(batches, scans, body)
            print(f"{name} {median:.0f} {best:.0f}")


if __name__ == "__main__":
    main()
