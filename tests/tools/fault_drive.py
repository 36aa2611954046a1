#!/usr/bin/env python3
"""fault_drive.py - runs layerscan under the fault-injection shim and judges every run.

    fault_drive.py alloc NAME KIND FIRST STRIDE -- COMMAND...
        counts the allocation calls of COMMAND (LS_FAULT_ALLOC_COUNT), then runs it with
        LS_FAULT_ALLOC=N for N = 1..FIRST and then every STRIDE-th N up to the count
        (the count itself included): every N in the run's range is tried or skipped by
        this fixed rule, so the runs are the same every time.
    fault_drive.py env NAME KIND VAR=VALUE... -- COMMAND...
        one run with these shim variables.

KIND says what a correct outcome is, against a run of COMMAND without faults:
    report   exit 0/1 and stdout equal to the normal one (stats.seconds aside), or exit 2
             and exactly one line "layerscan: ..." on stderr
    jsonl    as report, for audit output: each image line equal to the normal one or an
             error line whose code is "nomem"; or exit 2 and one line
    same     exit 0/1 with stdout equal to the normal one (faults that must be invisible:
             EINTR, short reads and writes); for JSONL every line, the audit's summary too
    fail     exit 2 and exactly one line on stderr (a fault that must be reported)
    extract  as report, and the file named by $LS_FAULT_OUT equal to the normal one when
             the exit is 0, absent when it is 2
One outcome of a library we do not own is accepted and counted apart: libarchive calls
exit(1) after printing "Fatal Internal Error in libarchive: No memory" (or "Out of memory")
when an allocation fails inside its string and entry code (archive_string.c,
archive_entry.c: __archive_errx), with nothing on stdout; we cannot intercept it. (The
shim never fails the allocations of archive_entry's name conversions, where that exit
raced with our decoder thread and crashed the exiting process.)
Never acceptable: a signal or an exit status >= 128, a sanitizer report, more than
TIMEOUT seconds (env LS_FAULT_TIMEOUT, default 60). The shim is $LAYERSCAN_FAULT_SHIM.
Prints one line per failed run and a count; exit 1 if any run failed.
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

SHIM = os.environ["LAYERSCAN_FAULT_SHIM"]
TIMEOUT = float(os.environ.get("LS_FAULT_TIMEOUT", "60"))
OUT = os.environ.get("LS_FAULT_OUT")
SANITIZER = ("Sanitizer", "runtime error:", "LeakSanitizer", "AddressSanitizer", "ThreadSanitizer")


def canon_json(text):
    obj = json.loads(text)
    if isinstance(obj, dict) and isinstance(obj.get("stats"), dict):
        obj["stats"].pop("seconds", None)
    return obj


def canon_report(text):
    try:
        return canon_json(text)
    except ValueError:
        return ["not json", text]


def canon_lines(text):
    lines = []
    for line in text.splitlines():
        try:
            lines.append(canon_json(line))
        except ValueError:
            lines.append(["not json", line])
    return lines


def run(cmd, env_extra, out_copy=None):
    env = dict(os.environ)
    env.update(env_extra)
    env["LD_PRELOAD"] = SHIM
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":verify_asan_link_order=0"
    if OUT and os.path.exists(OUT + out_copy if out_copy else OUT):
        os.unlink(OUT + out_copy if out_copy else OUT)
    cmd = [c.replace("{OUT}", OUT + (out_copy or "")) if OUT else c for c in cmd]
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, timeout=TIMEOUT)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, "", "timeout"


LIBARCHIVE_EXIT = ("Fatal Internal Error in libarchive: No memory",
                   "Fatal Internal Error in libarchive: Out of memory")


def third_party(got):
    rc, out, err = got
    return rc == 1 and out == "" and err.strip() in LIBARCHIVE_EXIT


def judge(kind, normal, got, out_name):
    rc, out, err = got
    if rc is None:
        return f"hang (over {TIMEOUT:.0f} s)"
    if rc < 0 or rc >= 128:
        return f"killed by a signal or exit {rc}: {err.strip()[-300:]}"
    if any(s in err for s in SANITIZER):
        return "sanitizer report: " + err.strip()[:600]
    err_lines = err.splitlines()
    file_now = None
    if kind == "extract":
        file_now = open(out_name, "rb").read() if os.path.exists(out_name) else None
    if rc == 2:
        if kind == "same":
            return f"exit 2 where the fault must be invisible: {err.strip()}"
        if len(err_lines) != 1 or not err_lines[0].startswith("layerscan: "):
            return f"exit 2 without exactly one error line: {err_lines!r}"
        if kind == "extract" and file_now is not None:
            return "exit 2 but the output file is there"
        return None
    if kind == "fail":
        return f"exit {rc} where the fault must fail the run; stderr {err_lines!r}"
    if rc != normal["rc"]:
        return f"exit {rc}, the normal run exits {normal['rc']}; stderr {err_lines!r}"
    if kind == "jsonl":
        a, b = canon_lines(out), normal["lines"]
        imgs_a = [l for l in a if not (isinstance(l, dict) and "summary" in l)]
        imgs_b = [l for l in b if not (isinstance(l, dict) and "summary" in l)]
        if len(imgs_a) != len(imgs_b):
            return f"{len(imgs_a)} image lines, the normal run has {len(imgs_b)}"
        for x, y in zip(imgs_a, imgs_b):
            if x != y and not (isinstance(x, dict) and x.get("error", {}).get("code") == "nomem"
                               and x.get("audit") == y.get("audit")):
                return f"image line differs: {json.dumps(x)[:400]}"
        return None
    if isinstance(normal["report"], list):  # JSONL: every line, the summary's counts included
        if canon_lines(out) != normal["lines"]:
            return f"output differs (exit {rc}): {out[-400:]!r} stderr {err_lines[-3:]!r}"
    elif canon_report(out) != normal["report"]:
        return f"report differs (exit {rc}): {out[:300]!r} stderr {err_lines!r}"
    if kind == "extract" and file_now != normal["file"]:
        return "extracted file differs from the normal one"
    return None


def normal_run(cmd):
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    if OUT and os.path.exists(OUT):
        os.unlink(OUT)
    c = [x.replace("{OUT}", OUT) if OUT else x for x in cmd]
    p = subprocess.run(c, env=env, capture_output=True, timeout=TIMEOUT)
    out = p.stdout.decode()
    n = {"rc": p.returncode, "report": canon_report(out), "lines": canon_lines(out),
         "file": open(OUT, "rb").read() if OUT and os.path.exists(OUT) else None}
    if p.returncode not in (0, 1):
        sys.exit(f"fault_drive: the normal run of {' '.join(cmd)} exits {p.returncode}: {p.stderr.decode()}")
    return n


def main():
    argv = sys.argv[1:]
    sep = argv.index("--")
    head, cmd = argv[:sep], argv[sep + 1:]
    mode, name, kind = head[0], head[1], head[2]
    normal = normal_run(cmd)
    cases = []
    if mode == "alloc":
        first, stride = int(head[3]), int(head[4])
        with tempfile.NamedTemporaryFile() as t:
            run(cmd, {"LS_FAULT_ALLOC_COUNT": t.name})
            total = int(open(t.name).read())
        ns = list(range(1, min(first, total) + 1)) + list(range(first + stride, total + 1, stride))
        if ns[-1] != total:
            ns.append(total)
        cases = [{"LS_FAULT_ALLOC": str(n)} for n in ns]
        print(f"{name}: {total} allocation calls; trying {len(ns)} values of N "
              f"(1..{min(first, total)}, then every {stride}th, and {total})")
    else:
        cases = [dict(kv.split("=", 1) for kv in head[3:])]
    jobs = int(os.environ.get("LS_FAULT_JOBS", "2"))
    failed = libarchive_exits = 0

    def one(i_case):
        i, case = i_case
        suffix = f".{i}" if OUT else None
        got = run(cmd, case, suffix)
        if third_party(got):
            return case, "third-party"
        return case, judge(kind, normal, got, OUT + suffix if OUT else None)

    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        for case, problem in ex.map(one, enumerate(cases)):
            if problem == "third-party":
                libarchive_exits += 1
            elif problem:
                failed += 1
                print(f"FAIL {name} {' '.join(f'{k}={v}' for k, v in case.items())}: {problem}")
    if OUT:
        for i in range(len(cases)):
            if os.path.exists(f"{OUT}.{i}"):
                os.unlink(f"{OUT}.{i}")
    print(f"{'ok  ' if not failed else 'FAIL'} {name}: {len(cases)} runs, {failed} failed"
          + (f", {libarchive_exits} ended by libarchive's exit(1) on allocation failure" if libarchive_exits else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
