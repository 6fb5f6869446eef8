#!/usr/bin/env python3
"""tests/bench/measure.py -- the measuring part of 'make bench' (called by the *.sh next to it).

Subcommands (each prints "key=value" lines on stdout, progress on stderr):
  wait-clear [--max SECONDS]
      wait until no 'rear' runs that could see a process named *systemd* (see rear_blockers)
  overhead --helper H --fixture DIR [--runs N] [--nspawn]
      N runs of 'H -v DIR -- /bin/true': the helper's "init started ... us after the helper
      started" line and the wall time of the whole run; with --nspawn also
      'systemd-nspawn ... -D DIR /bin/true' (caller holds the image build lock)
  overhead-versus --fixture DIR --variant 'NAME H [OPTION...]'... [--runs N] [--pause S]
      N rounds of one such run of each variant in turn: per variant the keys of overhead
      (overhead.NAME.main_us.median, ...), the median of each step of the helper's start
      (its -v line "start: ...": overhead.NAME.step.STEP.median) and their sum
      (overhead.NAME.steps_us.median_sum)
  syscalls --helper H --fixture DIR --scratch DIR
      one 'H -v DIR -- /bin/true' under strace -f: the system calls on the start's critical
      path (the main thread until PID 1 has exec'd, PID 1 until its exec) and those of the
      helper's other threads and processes meanwhile (skipped without strace)
  boot --helper H --rootfs DIR --name NAME [--runs N] [--window S] [--scratch DIR]
      N rounds, each: rescue-spawn to the first "login:" on tty1 (then SIGTERM) with the
      default (idle sleeps of the image skipped; keys boot.NAME.rs.*), the same with
      --real-sleeps (every sleep takes its full time; boot.NAME.rs_real.*), and
      systemd-nspawn -b watched for S seconds (boot.NAME.ns.*; caller holds the image
      build lock)
  verdict --helper H --rootfs DIR --name NAME [--runs N] [--scratch DIR]
      N rounds, each: 'H --check --report-dir=D DIR' with the default (verdict.NAME.*) and
      with --real-sleeps (verdict.NAME.real.*): wall time, report.json timings (with
      image_wait_seconds: the sleep the image asked for before its first prompt, and
      image_wait_taken_seconds: how long it really took), peak RSS; net_seconds =
      total_seconds - image_wait_taken_seconds (the verdict without what the image's
      sleeps really cost)

Every systemd-nspawn runs in a cgroup v2 that this script creates below the unified
hierarchy (and a twin in the name=systemd hierarchy of a hybrid host, so that nspawn's
own sub-cgroups land below ours); at the end cgroup.kill, wait for populated 0, rmdir.
While a measurement runs, a 'rear mkrescue' that starts elsewhere (it greps 'ps ax' for
"systemd") aborts it: the run is thrown away and repeated once rear is gone.
"""

import argparse
import fcntl
import json
import os
import re
import shlex
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time

NSPAWN = "systemd-nspawn"
UNIFIED = "/sys/fs/cgroup/unified"
NAMED_SYSTEMD = "/sys/fs/cgroup/systemd"
RETRY_EXIT = 75


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def out(key, value):
    if value is None:
        value = ""
    elif isinstance(value, float):
        value = "%.6f" % value
    print("%s=%s" % (key, value), flush=True)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


class Aborted(Exception):
    pass


# ---------------------------------------------------------------- rear processes

MK_WORKFLOWS = {"mkrescue", "mkbackup", "mkbackuponly", "mkopalpba"}


def rear_blockers():
    """'rear' processes (comm "rear", as 'pgrep -x rear' sees them) of the host's PID namespace
    that must not see a process named *systemd*: the system's /usr/sbin/rear, whatever it
    does, and any other rear (a test's private copy) running a mk* workflow."""
    found = []
    own_pidns = os.readlink("/proc/self/ns/pid")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            # a rear inside a container (the probes of --check run 'rear -V') sees only
            # the container's processes
            if os.readlink("/proc/%s/ns/pid" % entry) != own_pidns:
                continue
            with open("/proc/%s/comm" % entry) as f:
                if f.read().strip() != "rear":
                    continue
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                args = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        if "/usr/sbin/rear" in args[:2] or MK_WORKFLOWS & set(args):
            found.append("%s: %s" % (entry, " ".join(args)[:160]))
    return found


class BlockerWatch:
    """Cheap periodic check (every 0.25 s) for rear_blockers while something runs."""

    def __init__(self):
        self.next = 0.0

    def check(self):
        now = time.monotonic()
        if now < self.next:
            return
        self.next = now + 0.25
        found = rear_blockers()
        if found:
            raise Aborted("rear started: " + "; ".join(found))


def wait_clear(max_s=1800):
    start = time.monotonic()
    said = False
    while True:
        found = rear_blockers()
        if not found:
            return True
        if not said:
            log("waiting for rear to finish (it must not see a process named *systemd*): " + "; ".join(found))
            said = True
        if time.monotonic() - start > max_s:
            log("rear still runs after %d s" % max_s)
            return False
        time.sleep(1)


def with_retries(what, func, tries=4):
    for attempt in range(tries):
        if not wait_clear():
            sys.exit(RETRY_EXIT)
        try:
            return func()
        except Aborted as e:
            log("%s: run thrown away (%s), repeating it when rear is gone" % (what, e))
    log("%s: gave up after %d aborted runs" % (what, tries))
    sys.exit(RETRY_EXIT)


# ---------------------------------------------------------------- processes

def proc_status(pid, *keys):
    vals = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in keys:
                    vals[k] = int(v.split()[0])
    except (OSError, ValueError):
        pass
    return vals


def proc_starttime(pid, live_only=False):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if live_only and fields[0] in ("Z", "X"):
        return None  # a zombie holds nothing; its parent (or init) reaps it
    return fields[19]


def proc_cpu_s(pid):
    """user + system CPU seconds of the process itself (not its children)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def descendants(root):
    """{pid: starttime} of every descendant of root (from /proc/PID/task/*/children)."""
    found = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for tid in tasks:
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    kids = [int(x) for x in f.read().split()]
            except OSError:
                continue
            for kid in kids:
                if kid not in found:
                    found[kid] = proc_starttime(kid)
                    todo.append(kid)
    return found


def still_alive(snapshot, wait=3.0):
    """The processes of a descendants() snapshot that still run (zombies do not count),
    after waiting up to 'wait' seconds for them to go."""
    deadline = time.monotonic() + wait
    while True:
        alive = [pid for pid, st in snapshot.items() if st is not None and proc_starttime(pid, True) == st]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def wait_exit(p, timeout):
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


# ---------------------------------------------------------------- cgroups for nspawn

class NspawnCgroup:
    def __init__(self, name):
        self.name = name
        self.v2 = os.path.join(UNIFIED, name)
        self.v1 = None
        os.mkdir(self.v2)
        # hybrid host: nspawn takes its own cgroup from the name=systemd hierarchy and puts
        # sub-cgroups of the container below it; make that ours as well
        if os.path.isfile(os.path.join(NAMED_SYSTEMD, "cgroup.procs")):
            self.v1 = os.path.join(NAMED_SYSTEMD, name)
            os.mkdir(self.v1)

    def enter(self):
        """In the child, before exec."""
        pid = str(os.getpid())
        with open(os.path.join(self.v2, "cgroup.procs"), "w") as f:
            f.write(pid)
        if self.v1:
            with open(os.path.join(self.v1, "cgroup.procs"), "w") as f:
                f.write(pid)

    def pids(self):
        found = set()
        for top in (self.v2, self.v1):
            if not top:
                continue
            for d, _, files in os.walk(top):
                if "cgroup.procs" in files:
                    try:
                        with open(os.path.join(d, "cgroup.procs")) as f:
                            found.update(int(x) for x in f.read().split())
                    except OSError:
                        pass
        return found

    def holds(self, pid):
        """Whether pid is in our cgroup v2 subtree (gone counts as held)."""
        try:
            with open("/proc/%d/cgroup" % pid) as f:
                for line in f:
                    if line.startswith("0::"):
                        path = line[3:].strip()
                        return path == "/" + self.name or path.startswith("/" + self.name + "/")
        except OSError:
            return True
        return False

    def populated(self):
        try:
            with open(os.path.join(self.v2, "cgroup.events")) as f:
                for line in f:
                    if line.startswith("populated "):
                        return line.split()[1] != "0"
        except OSError:
            return False
        return False

    def kill_and_remove(self):
        """cgroup.kill, wait for populated 0, rmdir (deepest first). Returns the number of
        processes that were still in it when it was killed."""
        left = len(self.pids())
        if os.path.isdir(self.v2):
            with open(os.path.join(self.v2, "cgroup.kill"), "w") as f:
                f.write("1")
            deadline = time.monotonic() + 20
            while self.populated():
                if time.monotonic() > deadline:
                    raise RuntimeError("cgroup %s still populated 20 s after cgroup.kill" % self.v2)
                time.sleep(0.02)
        for top in (self.v1, self.v2):
            if not top or not os.path.isdir(top):
                continue
            for d, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
                deadline = time.monotonic() + 10
                while True:
                    try:
                        os.rmdir(d)
                        break
                    except OSError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.05)
        return left


def snapshot_paths(*tops):
    found = set()
    for top in tops:
        if not os.path.exists(top):
            continue
        found.add(top)
        for d, dirs, files in os.walk(top):
            for n in dirs + files:
                found.add(os.path.join(d, n))
    return found


def remove_new_paths(before, *tops):
    """Remove what nspawn left on the host (image locks, /run/systemd/nspawn/...) that was
    not there before. Returns the removed paths."""
    removed = []
    for path in sorted(snapshot_paths(*tops) - before, key=lambda p: -p.count("/")):
        if os.path.ismount(path):
            log("not removing %s: a mount point" % path)
            continue
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                os.rmdir(path)
            else:
                os.unlink(path)
            removed.append(path)
        except OSError as e:
            log("cannot remove %s: %s" % (path, e))
    return removed


# ---------------------------------------------------------------- a pty

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78cDEHM]")


def open_pty():
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 25, 80, 0, 0))
    os.set_blocking(master, False)
    return master, slave


def read_pty(master, timeout):
    r, _, _ = select.select([master], [], [], timeout)
    if not r:
        return b""
    try:
        return os.read(master, 65536)
    except BlockingIOError:
        return b""
    except OSError:  # EIO: no slave open any more
        return None


class LineScanner:
    """Cleans terminal output into lines and hands each complete line to a callback."""

    def __init__(self, on_line):
        self.buf = ""
        self.on_line = on_line
        self.raw = bytearray()

    def feed(self, data, t):
        self.raw += data
        self.buf += data.decode(errors="replace")
        while True:
            i = self.buf.find("\n")
            if i < 0:
                break
            line, self.buf = self.buf[:i], self.buf[i + 1:]
            self.on_line(ANSI.sub("", line).replace("\r", ""), t)
        # a prompt has no newline after it
        if "login:" in ANSI.sub("", self.buf):
            self.on_line(ANSI.sub("", self.buf).replace("\r", ""), t)
            self.buf = ""


# ---------------------------------------------------------------- nspawn -b

# a line about a getty unit instance (not the template "getty@.service") that reports a failure
GETTY_UNIT = re.compile(r"getty@[^.\s]")
GETTY_FAIL = re.compile(r"Failed|failed|start request repeated|Start request repeated|Scheduled restart|start-limit")
GETTY_EXIT = re.compile(r"getty@[^.\s]\S*: Main process exited, code=(exited|killed|dumped), status=(\S+)")
SYSINIT_EXIT = re.compile(r"sysinit\.service: Main process exited, code=\w+, status=(\S+)")
GETTY_COUNTER = re.compile(r"getty@[^.\s]\S*: Scheduled restart job, restart counter is at (\d+)")
READY = re.compile(r"Relax-and-Recover rescue system is ready|Rescue System is ready")


def nspawn_boot(rootfs, cgname, window, transcript):
    """One boot under systemd-nspawn, watched for 'window' seconds."""
    res = {"login_s": None, "ready_s": None, "corrupted_s": None, "first_output_s": None,
           "getty_failures": 0, "getty_failed_lines": 0, "getty_restart_lines": 0,
           "getty_limit_lines": 0, "first_getty_failure_s": None, "units_failed": 0,
           "getty_deaths": 0, "getty_restart_counter": 0, "getty_limit_hits": 0,
           "sysinit_status": None, "sysinit_exit_s": None,
           "cgroup_errors": 0}

    def on_line(line, t):
        if res["first_output_s"] is None and line.strip():
            res["first_output_s"] = t
        if "login:" in line and res["login_s"] is None:
            res["login_s"] = t
        if READY.search(line) and res["ready_s"] is None:
            res["ready_s"] = t
        if "Possibly corrupted" in line and res["corrupted_s"] is None:
            res["corrupted_s"] = t
        if "219/CGROUP" in line:
            res["cgroup_errors"] += 1
        if "Failed to start" in line:
            res["units_failed"] += 1
        m = SYSINIT_EXIT.search(line)
        if m and res["sysinit_status"] is None:
            res["sysinit_status"] = m.group(1)
            res["sysinit_exit_s"] = t
        m = GETTY_EXIT.search(line)
        if m:
            res["getty_deaths"] += 1
        m = GETTY_COUNTER.search(line)
        if m:
            res["getty_restart_counter"] = max(res["getty_restart_counter"], int(m.group(1)))
        if GETTY_UNIT.search(line) and re.search(r"[Ss]tart request repeated too quickly", line):
            res["getty_limit_hits"] += 1
        if GETTY_UNIT.search(line) and GETTY_FAIL.search(line):
            res["getty_failures"] += 1
            if res["first_getty_failure_s"] is None:
                res["first_getty_failure_s"] = t
            if "Scheduled restart" in line:
                res["getty_restart_lines"] += 1
            elif "tart request repeated" in line or "start-limit" in line:
                res["getty_limit_lines"] += 1
            else:
                res["getty_failed_lines"] += 1

    scanner = LineScanner(on_line)
    watch = BlockerWatch()
    parent = os.path.dirname(os.path.realpath(rootfs))
    leftover_tops = ("/run/systemd/nspawn", parent)
    before = snapshot_paths(*leftover_tops)
    cg = NspawnCgroup(cgname)
    master, slave = open_pty()
    env = dict(os.environ, TERM="linux")

    def child_setup():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        cg.enter()

    p = None
    aborted = None
    try:
        t0 = time.monotonic()
        p = subprocess.Popen([NSPAWN, "--register=no", "--keep-unit", "--private-network",
                              "--volatile=overlay", "-bD", rootfs],
                             stdin=slave, stdout=slave, stderr=slave, env=env,
                             preexec_fn=child_setup, close_fds=True)
        os.close(slave)
        slave = None
        while True:
            now = time.monotonic() - t0
            if now >= window or res["login_s"] is not None or p.poll() is not None:
                break
            data = read_pty(master, 0.01)
            if data is None:
                break
            if data:
                scanner.feed(data, time.monotonic() - t0)
            watch.check()
        res["watched_s"] = time.monotonic() - t0
        res["nspawn_exited_by_itself"] = p.poll() is not None
        inside = descendants(p.pid)
        res["container_processes"] = len(inside)
        res["outside_cgroup"] = sum(1 for pid in inside if not cg.holds(pid))
        # End it the polite way first (nspawn asks the container's init to halt), then
        # cgroup.kill whatever is left.
        t_stop = time.monotonic()
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        deadline = t_stop + 15
        while p.poll() is None and time.monotonic() < deadline:
            data = read_pty(master, 0.01)
            if data is None:
                break
            if data:
                scanner.feed(data, time.monotonic() - t0)
            try:
                watch.check()
            except Aborted as e:
                aborted = e
                break
        rc = wait_exit(p, 0.5)
        res["stop_s"] = time.monotonic() - t_stop if rc is not None else None
        res["exit_status"] = rc
        res["left_after_nspawn"] = len(cg.pids()) if rc is not None else None
    except Aborted as e:
        aborted = e
    finally:
        if slave is not None:
            os.close(slave)
        left = cg.kill_and_remove()
        if p is not None:
            wait_exit(p, 10)
        os.close(master)
        removed = remove_new_paths(before, *leftover_tops)
        with open(transcript, "wb") as f:
            f.write(scanner.raw)
    if aborted:
        raise aborted
    res["killed_by_cgroup_kill"] = left
    res["survivors"] = len(still_alive(inside))
    res["host_files_removed"] = len(removed)
    for path in removed:
        log("removed what nspawn left on the host: %s" % path)
    return res


# ---------------------------------------------------------------- rescue-spawn to the prompt

def tail_reader(path):
    """Returns a function that gives what was appended to path since the last call."""
    state = {"f": None}

    def read():
        if state["f"] is None:
            try:
                state["f"] = open(path, "rb")
            except FileNotFoundError:
                return b""
        return state["f"].read()
    read.close = lambda: state["f"] and state["f"].close()
    return read


# "init started (host PID N) X us after the helper started, at T us": X counts from the
# helper's main(); T is on CLOCK_MONOTONIC, the clock of time.monotonic_ns(), so that the
# overhead can also be counted from the helper's exec (the kernel's exec and the dynamic
# loading of libmount, libblkid, libselinux, libpcre2, libseccomp, libcap and libc included).
EXEC_LINE = re.compile(r"init started \(host PID \d+\) (\d+) us after the helper started, at (\d+) us")

# "start: 412 us make the user namespace; 55 us enter the cgroups of its limits; ...": each
# step of the helper's start (helper/timeline.h); 0.2.1 has no such line.
STEPS_LINE = re.compile(r"^rescue-spawn: start: (.*)$", re.M)


def start_steps(stderr_text):
    """{step: us} of the helper's start, or {} without the line."""
    m = STEPS_LINE.search(stderr_text)
    steps = {}
    for part in m.group(1).split("; ") if m else []:
        us, _, step = part.partition(" us ")
        steps[step] = steps.get(step, 0) + int(us)
    return steps


def popen_timed(argv, **kwargs):
    """subprocess.Popen of argv through exec-stamp (lib.bash builds it), and the CLOCK_MONOTONIC
    microsecond just before argv[0]'s exec."""
    r, w = os.pipe()
    try:
        p = subprocess.Popen([os.environ["BENCH_EXEC_STAMP"], str(w)] + argv, pass_fds=(w,), **kwargs)
        os.close(w)
        w = -1
        stamp = os.read(r, 8)
        if len(stamp) != 8:
            p.wait()
            raise RuntimeError("exec-stamp wrote no time (exit %s)" % p.returncode)
        return p, struct.unpack("q", stamp)[0]
    finally:
        if w >= 0:
            os.close(w)
        os.close(r)


def exec_overhead_us(stderr_text, exec_at_us):
    """(from the helper's exec, from its main()) to its init's exec, or (None, None) without the line."""
    m = EXEC_LINE.search(stderr_text)
    return (int(m.group(2)) - exec_at_us, int(m.group(1))) if m else (None, None)


def fresh(path, *suffixes):
    """Remove what an aborted earlier attempt left at path (and path + suffix)."""
    shutil.rmtree(path, ignore_errors=True)
    for suffix in suffixes:
        if os.path.lexists(path + suffix):
            os.unlink(path + suffix)


def rs_boot(helper, rootfs, logdir, real_sleeps=False, timeout=60):
    fresh(logdir, ".screen", ".stderr", ".timeline")
    os.makedirs(logdir)
    res = {"prompt_s": None, "ready_s": None, "hwm_kb": None, "rss_kb": None, "exec_us": None}
    watch = BlockerWatch()
    tty1 = tail_reader(os.path.join(logdir, "tty-tty1.log"))
    console = tail_reader(os.path.join(logdir, "tty-console.log"))
    buf1 = b""
    bufc = b""
    # when each console line came (10 ms resolution): where the boot's time goes
    tl = open(logdir + ".timeline", "w")
    timeline = LineScanner(lambda line, t: line.strip() and tl.write("%8.3f %s\n" % (t, line)))
    with tl, open(logdir + ".screen", "wb") as screen, open(logdir + ".stderr", "wb") as err:
        t0 = time.monotonic()
        p, exec_at_us = popen_timed([helper, "-v"] + (["--real-sleeps"] if real_sleeps else []) + ["--log-dir=" + logdir, rootfs],
                                    stdin=subprocess.DEVNULL, stdout=screen, stderr=err, close_fds=True)
        try:
            while time.monotonic() - t0 < timeout:
                if p.poll() is not None:
                    break
                buf1 = (buf1 + tty1())[-4096:]
                new = console()
                bufc = (bufc + new)[-65536:]
                now = time.monotonic() - t0
                if new:
                    timeline.feed(new, now)
                if res["ready_s"] is None and READY.search(bufc.decode(errors="replace")):
                    res["ready_s"] = now
                if b"login:" in buf1:
                    res["prompt_s"] = now
                    break
                watch.check()
                time.sleep(0.01)
            st = proc_status(p.pid, "VmHWM", "VmRSS")
            res["hwm_kb"] = st.get("VmHWM")
            res["rss_kb"] = st.get("VmRSS")
            res["cpu_s"] = proc_cpu_s(p.pid)
            inside = descendants(p.pid)
            res["processes"] = len(inside)
            t_stop = time.monotonic()
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            rc = wait_exit(p, 30)
            if rc is None:
                p.kill()
                rc = p.wait()
            res["stop_s"] = time.monotonic() - t_stop
            res["exit_status"] = rc
            # the helper's guard may need a moment after the helper ends
            res["survivors"] = len(still_alive(inside, 5))
        except Aborted:
            p.kill()  # the helper's guard removes what is left
            p.wait()
            raise
        finally:
            tty1.close()
            console.close()
    if res["ready_s"] is None:
        bufc = open(os.path.join(logdir, "tty-console.log"), "rb").read()
        if READY.search(bufc.decode(errors="replace")):
            res["ready_after_prompt"] = True
    with open(logdir + ".stderr", errors="replace") as f:
        res["exec_us"], res["main_us"] = exec_overhead_us(f.read(), exec_at_us)
    return res


# ---------------------------------------------------------------- --check

def rs_check(helper, rootfs, reportdir, real_sleeps=False, timeout=300):
    fresh(reportdir, ".out")
    watch = BlockerWatch()
    res = {"hwm_kb": None, "cpu_s": None}
    with open(reportdir + ".out", "wb") as o:
        t0 = time.monotonic()
        p = subprocess.Popen([helper, "--check"] + (["--real-sleeps"] if real_sleeps else []) +
                             ["--timeout=%d" % timeout, "--report-dir=" + reportdir, rootfs],
                             stdin=subprocess.DEVNULL, stdout=o, stderr=o, close_fds=True)
        try:
            while p.poll() is None:
                st = proc_status(p.pid, "VmHWM")
                if "VmHWM" in st:
                    res["hwm_kb"] = st["VmHWM"]
                    res["cpu_s"] = proc_cpu_s(p.pid)
                watch.check()
                time.sleep(0.01)
        except Aborted:
            p.kill()
            p.wait()
            raise
        res["wall_s"] = time.monotonic() - t0
        res["exit_status"] = p.returncode
    try:
        with open(os.path.join(reportdir, "report.json")) as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        log("no report.json in %s: %s" % (reportdir, e))
        report = {}
    res["verdict"] = report.get("verdict")
    for k, v in (report.get("timings") or {}).items():
        res[k] = v
    failed = [c.get("name") for c in report.get("checks", []) if c.get("status") == "fail"]
    res["failed_checks"] = ",".join(str(x) for x in failed)
    return res


# ---------------------------------------------------------------- subcommands

def cmd_wait_clear(a):
    sys.exit(0 if wait_clear(a.max) else RETRY_EXIT)


def one_start(helper, fixture):
    """One 'helper -v fixture -- /bin/true' (helper: the command, its options): (from its exec,
    from its main()) to init's exec in us, the whole run's wall time, {step: us} of its start."""
    t0 = time.monotonic()
    p, exec_at_us = popen_timed([helper[0], "-v"] + helper[1:] + [fixture, "--", "/bin/true"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = p.communicate()[1].decode(errors="replace")
    wall = time.monotonic() - t0
    from_exec, from_main = exec_overhead_us(stderr, exec_at_us)
    if p.returncode != 0 or from_exec is None:
        log("%s: exit %d, no exec line: %s" % (" ".join(helper), p.returncode, stderr[-300:]))
        sys.exit(1)
    return from_exec, from_main, wall, start_steps(stderr)


def warm_up(helper, fixture):
    """The fixture's and the helper's pages into the caches."""
    for _ in range(3):
        subprocess.run(helper + [fixture, "--", "/bin/true"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Starts:
    """What the runs of one helper (and its options) measured."""

    def __init__(self):
        self.exec_us, self.main_us, self.wall, self.steps = [], [], [], {}

    def add(self, from_exec, from_main, wall, steps):
        self.exec_us.append(from_exec)
        self.main_us.append(from_main)
        self.wall.append(wall)
        for step, us in steps.items():
            self.steps.setdefault(step, []).append(us)

    def report(self, prefix):
        out(prefix + "runs", len(self.main_us))
        out(prefix + "exec_us.median", median(self.exec_us))
        out(prefix + "exec_us.min", min(self.exec_us))
        out(prefix + "exec_us.max", max(self.exec_us))
        out(prefix + "main_us.median", median(self.main_us))
        out(prefix + "main_us.min", min(self.main_us))
        out(prefix + "main_us.max", max(self.main_us))
        out(prefix + "wall_s.median", median(self.wall))
        out(prefix + "wall_s.min", min(self.wall))
        # Each step's median, and their sum: what one start takes without the moments the
        # machine was busy elsewhere, which hit one step of one run (helper/timeline.h).
        if self.steps:
            for step, values in self.steps.items():
                out(prefix + "step.%s.median" % re.sub(r"[^a-z0-9]+", "_", step.lower()), median(values))
            out(prefix + "steps_us.median_sum", self.steps_sum())

    def steps_sum(self):
        """The sum of the steps' medians; None without the helper's "start:" line."""
        return sum(median(v) for v in self.steps.values()) if self.steps else None


def cmd_overhead(a):
    helper = [a.helper] + a.helper_arg
    starts, base = Starts(), []
    warm_up(helper, a.fixture)
    for _ in range(a.runs):
        # What the kernel still does for the run before (freeing its cgroups: RCU, workqueues)
        # must not be charged to this one.
        time.sleep(a.pause)
        t0 = time.monotonic()
        subprocess.run(["/bin/true"])
        base.append(time.monotonic() - t0)
        starts.add(*one_start(helper, a.fixture))
    starts.report("overhead.")
    out("overhead.true_s.median", median(base))
    log("exec-to-init: median %d us (min %d, max %d); main()-to-init: median %d us; wall median %.1f ms" % (
        median(starts.exec_us), min(starts.exec_us), max(starts.exec_us), median(starts.main_us),
        median(starts.wall) * 1000))


def cmd_overhead_versus(a):
    variants = {}
    for spec in a.variant:
        name, *helper = shlex.split(spec)
        variants[name] = helper
        warm_up(helper, a.fixture)
    starts = {name: Starts() for name in variants}
    names = list(variants)
    for i in range(a.runs):
        # Run by run, the variants in turn: the machine's speed drifts within seconds, and a
        # block of runs of one variant would measure the drift. The order rotates, so that no
        # variant always follows the same one.
        for name in names[i % len(names):] + names[:i % len(names)]:
            time.sleep(a.pause)
            starts[name].add(*one_start(variants[name], a.fixture))
    for name in names:
        starts[name].report("overhead.%s." % name)
        log("%s: main()-to-init median %d us; sum of the steps' medians %s" % (
            name, median(starts[name].main_us),
            "-" if starts[name].steps_sum() is None else "%d us" % starts[name].steps_sum()))


# strace -f lines: "PID syscall(args) = result" (a call another process interrupted comes
# as "PID syscall(args <unfinished ...>" and later "PID <... syscall resumed>...) = result").
STRACE_CALL = re.compile(r"^(\d+) +(?:<\.\.\. )?([a-z_0-9]+)(\(| resumed)")
STRACE_RESULT = re.compile(r"= (\d+|-1 [A-Z]+)")


def cmd_syscalls(a):
    """The system calls of one start on its critical path: the helper's main thread until
    it starts PID 1 (clone3 with CLONE_NEWPID, which returns once PID 1 has exec'd) and
    PID 1 until its exec; and those of its other threads and processes (the cgroups'
    thread, the guard, the user namespace's holder) until then. Counted by strace -f: a
    number that the machine's load does not change."""
    if not shutil.which("strace"):
        out("syscalls.skipped", "no strace")
        return
    trace = a.scratch + "/syscalls.strace"
    subprocess.run(["strace", "-f", "-qq", "-o", trace, a.helper, "-v"] + a.helper_arg + [a.fixture, "--", "/bin/true"],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    main_pid = init_pid = None
    counts = {"main": 0, "init": 0, "others": 0}
    seen = set()            # the processes and threads there before PID 1
    started = False         # clone3 of PID 1 called (it returns once PID 1 has exec'd)
    with open(trace, errors="replace") as f:
        for line in f:
            m = STRACE_CALL.match(line)
            if not m or m.group(3) == " resumed":
                continue    # the end of a call counted at its start
            pid, call = int(m.group(1)), m.group(2)
            main_pid = main_pid or pid
            if started and init_pid is None and pid not in seen:
                init_pid = pid
            if not started:
                seen.add(pid)
            if pid == main_pid:
                counts["main"] += 1
                if call == "execve":
                    counts["main"] = 1      # what a wrapper (a shell that execs the helper) did does not count
                started = started or (call == "clone3" and "CLONE_NEWPID" in line)
            elif pid == init_pid:
                counts["init"] += 1
                if call == "execve":
                    break
            else:
                counts["others"] += 1
    os.unlink(trace)
    out("syscalls.main", counts["main"])
    out("syscalls.init", counts["init"])
    out("syscalls.critical", counts["main"] + counts["init"])
    out("syscalls.others", counts["others"])


def cmd_overhead_nspawn(a):
    walls = []

    def one(i):
        cg = NspawnCgroup("rt-bench-nspawn-%d-true-%d" % (os.getpid(), i))
        before = snapshot_paths("/run/systemd/nspawn", os.path.dirname(os.path.realpath(a.fixture)))
        try:
            t0 = time.monotonic()
            r = subprocess.run([NSPAWN, "--register=no", "--keep-unit", "--private-network", "--volatile=overlay",
                                "-q", "--console=pipe", "-D", a.fixture, "/bin/true"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=cg.enter, close_fds=True)
            wall = time.monotonic() - t0
        finally:
            cg.kill_and_remove()
            remove_new_paths(before, "/run/systemd/nspawn", os.path.dirname(os.path.realpath(a.fixture)))
        if r.returncode != 0:
            log("nspawn /bin/true: exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace")[-300:]))
            return None
        return wall

    for i in range(a.runs):
        walls.append(with_retries("nspawn /bin/true", lambda: one(i)))
    out("overhead.nspawn_runs", a.runs)
    out("overhead.nspawn_wall_s.median", median(walls))
    if median(walls) is not None:
        log("systemd-nspawn -D FIXTURE /bin/true: wall median %.1f ms" % (median(walls) * 1000))


def summarize(prefix, runs, keys):
    for k in keys:
        vals = [r.get(k) for r in runs]
        nums = [v for v in vals if isinstance(v, (int, float)) and not isinstance(v, bool)]
        out("%s.%s.median" % (prefix, k), median(nums) if nums else None)
        out("%s.%s.all" % (prefix, k), " ".join("-" if v is None else ("%.3f" % v if isinstance(v, float) else str(v)) for v in vals))


RS_BOOT_KEYS = ["prompt_s", "ready_s", "hwm_kb", "rss_kb", "cpu_s", "exec_us", "main_us", "stop_s", "exit_status",
                "processes", "survivors"]


def cmd_boot(a):
    # per round: the default (idle sleeps skipped), --real-sleeps, nspawn (once)
    variants = (("rs", False, "rs-%s-%d", "rescue-spawn"),
                ("rs_real", True, "rs-real-%s-%d", "rescue-spawn --real-sleeps"))
    rs_runs = {key: [] for key, _, _, _ in variants}
    ns_runs = []
    for i in range(1, a.runs + 1):
        for key, real, logname, what in variants:
            logdir = os.path.join(a.scratch, logname % (a.name, i))
            r = with_retries(what + " boot", lambda: rs_boot(a.helper, a.rootfs, logdir, real_sleeps=real))
            rs_runs[key].append(r)
            log("%s run %d: %s: login prompt on tty1 at %s s, ready line %s s, VmHWM %s kB, stopped in %.2f s (exit %s)" % (
                a.name, i, what, fmt(r["prompt_s"]), fmt(r["ready_s"]), r["hwm_kb"], r["stop_s"], r["exit_status"]))
        n = with_retries("nspawn boot", lambda: nspawn_boot(a.rootfs, "rt-bench-nspawn-%d-%s-%d" % (os.getpid(), a.name, i),
                                                            a.window, os.path.join(a.scratch, "nspawn-%s-%d.log" % (a.name, i))))
        ns_runs.append(n)
        log("%s run %d: nspawn: login %s, ready line %s s, %d agetty deaths (%d getty failure lines) in %.0f s, "
            "%d container processes, stopped in %s s, %d left for cgroup.kill, %d survivors" % (
                a.name, i, fmt(n["login_s"]), fmt(n["ready_s"]), n["getty_deaths"], n["getty_failures"], n["watched_s"],
                n["container_processes"], fmt(n["stop_s"]), n["killed_by_cgroup_kill"], n["survivors"]))
    p = "boot.%s" % a.name
    out(p + ".runs", a.runs)
    for key, _, _, _ in variants:
        runs = rs_runs[key]
        summarize(p + "." + key, runs, RS_BOOT_KEYS)
        out(p + "." + key + ".survivors.total", sum(r["survivors"] for r in runs))
        out(p + "." + key + ".hwm_kb.max", max((r["hwm_kb"] or 0) for r in runs))
        out(p + "." + key + ".prompts", sum(1 for r in runs if r["prompt_s"] is not None))
    summarize(p + ".ns", ns_runs, ["login_s", "ready_s", "corrupted_s", "first_output_s", "getty_failures",
                                   "getty_deaths", "getty_restart_counter", "getty_limit_hits",
                                   "getty_failed_lines", "getty_restart_lines", "getty_limit_lines",
                                   "first_getty_failure_s", "sysinit_exit_s", "units_failed", "cgroup_errors", "watched_s",
                                   "container_processes", "outside_cgroup", "stop_s", "exit_status", "left_after_nspawn",
                                   "killed_by_cgroup_kill", "survivors", "host_files_removed"])
    out(p + ".ns.prompts", sum(1 for r in ns_runs if r["login_s"] is not None))
    out(p + ".ns.ready_runs", sum(1 for r in ns_runs if r["ready_s"] is not None))
    out(p + ".ns.survivors.total", sum(r["survivors"] for r in ns_runs))
    out(p + ".ns.window_s", a.window)
    out(p + ".ns.sysinit_status", " ".join(r["sysinit_status"] or "-" for r in ns_runs))


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def cmd_verdict(a):
    # per round: the default (idle sleeps skipped), then --real-sleeps
    variants = (("", False, "check-%s-%d", "--check"),
                (".real", True, "check-real-%s-%d", "--check --real-sleeps"))
    runs = {key: [] for key, _, _, _ in variants}
    for i in range(1, a.runs + 1):
        for key, real, dirname, what in variants:
            d = os.path.join(a.scratch, dirname % (a.name, i))
            r = with_retries("rescue-spawn " + what, lambda: rs_check(a.helper, a.rootfs, d, real_sleeps=real))
            runs[key].append(r)
            # what the image's sleeps really cost is what is taken off the verdict
            net = None
            if is_num(r.get("total_seconds")) and is_num(r.get("image_wait_taken_seconds")):
                net = r["total_seconds"] - r["image_wait_taken_seconds"]
            r["net_seconds"] = net
            log("%s run %d: %s: %s (exit %s) total %s s, ready %s s, first prompt %s s, image sleeps asked %s s / "
                "taken %s s, net %s s, shutdown %s s, wall %.2f s, VmHWM %s kB%s" % (
                    a.name, i, what, r.get("verdict"), r["exit_status"], fmt(r.get("total_seconds")),
                    fmt(r.get("ready_seconds")), fmt(r.get("first_prompt_seconds")), fmt(r.get("image_wait_seconds")),
                    fmt(r.get("image_wait_taken_seconds")), fmt(net), fmt(r.get("shutdown_seconds")),
                    r["wall_s"], r["hwm_kb"], (", failed: " + r["failed_checks"]) if r["failed_checks"] else ""))
    p = "verdict.%s" % a.name
    out(p + ".runs", a.runs)
    for key, _, _, _ in variants:
        summarize(p + key, runs[key], ["total_seconds", "ready_seconds", "first_prompt_seconds", "image_wait_seconds",
                                       "image_wait_taken_seconds", "shutdown_seconds", "net_seconds", "wall_s",
                                       "hwm_kb", "cpu_s", "exit_status"])
        out(p + key + ".verdicts", " ".join(str(r.get("verdict")) for r in runs[key]))
        out(p + key + ".failed", " ".join(r["failed_checks"] or "-" for r in runs[key]))


def fmt(v):
    return "-" if v is None else "%.2f" % v


def main():
    ap = argparse.ArgumentParser(prog="measure.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("wait-clear")
    s.add_argument("--max", type=int, default=1800)
    s.set_defaults(func=cmd_wait_clear)
    s = sub.add_parser("overhead")
    s.add_argument("--helper", required=True)
    # Options given to the helper itself (no wrapper: its exec would count as the helper's).
    s.add_argument("--helper-arg", action="append", default=[])
    s.add_argument("--fixture", required=True)
    s.add_argument("--runs", type=int, default=30)
    s.add_argument("--pause", type=float, default=0.0)
    s.set_defaults(func=cmd_overhead)
    s = sub.add_parser("overhead-versus")
    s.add_argument("--variant", action="append", required=True, help="'NAME HELPER [OPTION...]'")
    s.add_argument("--fixture", required=True)
    s.add_argument("--runs", type=int, default=60)
    s.add_argument("--pause", type=float, default=0.05)
    s.set_defaults(func=cmd_overhead_versus)
    s = sub.add_parser("syscalls")
    s.add_argument("--helper", required=True)
    s.add_argument("--helper-arg", action="append", default=[])
    s.add_argument("--fixture", required=True)
    s.add_argument("--scratch", required=True)
    s.set_defaults(func=cmd_syscalls)
    s = sub.add_parser("overhead-nspawn")
    s.add_argument("--fixture", required=True)
    s.add_argument("--runs", type=int, default=10)
    s.set_defaults(func=cmd_overhead_nspawn)
    for name, func in (("boot", cmd_boot), ("verdict", cmd_verdict)):
        s = sub.add_parser(name)
        s.add_argument("--helper", required=True)
        s.add_argument("--rootfs", required=True)
        s.add_argument("--name", required=True)
        s.add_argument("--runs", type=int, default=3)
        s.add_argument("--scratch", required=True)
        if name == "boot":
            s.add_argument("--window", type=float, default=60)
        s.set_defaults(func=func)
    a = ap.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
