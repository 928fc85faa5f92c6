#!/usr/bin/env python3
"""Runs one command and writes how it ended and what it cost to RESULT_FILE, as one JSON object.

    measure.py RESULT_FILE KILL_AFTER_S COMMAND [ARG...]

{"exit": code or null, "signal": number or null, "seconds": wall time, "max_rss_kib": peak RSS}

Why a process of its own: Linux carries a process's peak RSS across fork and exec (execve records
the old address space's high-water mark in the new program's ru_maxrss), so a command started
straight from a test process that has parsed large reports would inherit that process's peak. Started
from this small interpreter instead, the command's ru_maxrss, read here with wait4, is its own peak or
this launcher's few MiB, whichever is larger. The command's stdin, stdout and stderr are this
process's. A command still running after KILL_AFTER_S seconds is killed (a hang), and says so.
"""
import json
import os
import signal
import sys
import time


def main():
    if len(sys.argv) < 4:
        raise SystemExit("usage: measure.py RESULT_FILE KILL_AFTER_S COMMAND [ARG...]")
    result_file, kill_after, command = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(command[0], command)
        finally:
            os._exit(127)
    signal.signal(signal.SIGALRM, lambda *_: os.kill(pid, signal.SIGKILL))
    signal.setitimer(signal.ITIMER_REAL, kill_after)
    _, status, usage = os.wait4(pid, 0)  # retried after the alarm's handler runs (PEP 475)
    signal.setitimer(signal.ITIMER_REAL, 0)
    seconds = time.monotonic() - start
    result = {
        "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "seconds": seconds,
        "max_rss_kib": usage.ru_maxrss,  # KiB on Linux
    }
    with open(result_file, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
