#!/usr/bin/python3
"""pty-drive.py: run a command on a new pseudo-terminal and drive it like a person.

Usage:
  pty-drive.py [--rows N] [--cols N] [--log FILE] [-f SCRIPT|-] [-e STEP]... -- COMMAND [ARG...]

The command runs as a session leader with the pty's slave as its controlling terminal,
stdin, stdout and stderr (so a program that puts "its terminal" into raw mode changes
that slave). The steps come from -e arguments (in order) and then from the script file
(-f FILE, "-" for stdin), one per line; empty lines and lines starting with # are
ignored; arguments are split like a shell does (shlex), so quote regexes with spaces.

Steps:
  expect REGEX [TIMEOUT]   wait (default 10 s) until REGEX (Python re, MULTILINE) matches
                           the output after the previous match; the output is searched
                           with ANSI escape sequences, \\r and NUL removed
  absent REGEX             fail if REGEX matches the output after the previous match
  raw-expect REGEX [TIMEOUT]
                           like expect, on the bytes as written (escape sequences and \r
                           kept; re.DOTALL), with a cursor of its own
  mark                     forget the output so far (later expects look at new output only)
  send TEXT                type TEXT; Python escapes work: \\r \\n \\t \\x1d \\\\
  line TEXT                type TEXT and a carriage return (Enter)
  resize ROWS COLS         set the pty's window size (TIOCSWINSZ) and send SIGWINCH to
                           the command's process group
  signal SIG               send SIG (TERM, INT, KILL, HUP, 15, ...) to the command
  sleep SECONDS            wait, reading output meanwhile
  wait-exit [TIMEOUT [STATUS]]
                           wait (default 30 s) for the command to end and print its exit
                           status (128+N when killed by signal N); fail if it differs
                           from STATUS
  restored                 fail unless the command ended and the pty's termios (read with
                           tcgetattr on the slave) equal those saved before it started
  container [TIMEOUT]      (for rescue-spawn) find the container the command started and
                           wait (default 10 s) until its PID 1 has executed init: records
                           PID 1 (the command's child in another PID namespace), its PID,
                           mount and user namespaces (the PID and user namespaces and the
                           devpts instance of its ptys are held open, so that their numbers
                           stay ours), the helper's mount namespace, the cleanup guard
                           (comm rescue-spawn-gd), the cgroup rescue-spawn-PID and the
                           runtime directory /run/rescue-spawn.PID.XXXXXX
  gone [TIMEOUT]           fail unless, within TIMEOUT (default 5 s), nothing recorded by
                           "container" remains: the helper and PID 1 ended, no process in
                           the container's PID or user namespace and none whose mount
                           namespace still mounts the runtime directory (found with ps),
                           no guard, no cgroup, no runtime directory nor a host mount of
                           it, no pty left in the container's devpts instance
  host COMMAND             run COMMAND with sh on the host (env: PTY_DRIVE_CHILD=pid of
                           the command, PTY_DRIVE_INIT=host pid of the container's PID 1
                           when known); fail when it exits non-zero
The driver is a child subreaper (prctl): whatever the command leaves behind (a guard, the
PID 1 of a container whose helper was killed) becomes its child and is reaped at once,
whatever the host's init does. At the end, the command is killed (SIGKILL, by PID) and reaped if it still runs, and
"pty-drive: terminal restored" or "pty-drive: terminal NOT restored: ..." is printed
when it ended. On a failed step the driver prints the reason and the last ~2 KB of
output made readable, and exits 1 (2: usage error).
"""

import codecs
import ctypes
import errno
import fcntl
import os
import re
import select
import shlex
import signal
import struct
import subprocess
import sys
import termios
import time

TRANSCRIPT_BYTES = 2048
PR_SET_CHILD_SUBREAPER = 36
ANSI_RE = re.compile(rb'\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[@-Z\\-_])')
# An escape sequence that may be cut at the end of a chunk: kept back until complete.
PARTIAL_ANSI_RE = re.compile(rb'\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[()])?$')


class StepFailed(Exception):
    pass


def readable(data):
    """Bytes as text a person can read: escapes shown, other controls as ^X."""
    out = []
    text = data.decode('utf-8', errors='replace')
    for i, ch in enumerate(text):
        o = ord(ch)
        if ch == '\n':
            out.append('\n')
        elif ch == '\r':
            if i + 1 < len(text) and text[i + 1] == '\n':
                continue
            out.append('\\r')
        elif ch == '\x1b':
            out.append('\\e')
        elif o < 0x20 or o == 0x7f:
            out.append('^' + chr(o ^ 0x40))
        else:
            out.append(ch)
    return ''.join(out)


def signal_number(name):
    name = name.upper()
    if name.isdigit():
        return int(name)
    if not name.startswith('SIG'):
        name = 'SIG' + name
    return int(getattr(signal, name))


def status_code(status):
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status), 'exited with status %d' % os.WEXITSTATUS(status)
    sig = os.WTERMSIG(status)
    return 128 + sig, 'killed by %s' % signal.Signals(sig).name


def readlink(path):
    try:
        return os.readlink(path)
    except OSError:
        return None


def read_text(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode('utf-8', errors='replace')
    except OSError:
        return None


def ns_inode(link):
    """'pid:[4026531836]' -> '4026531836' (what ps prints in its pidns/mntns columns)."""
    m = re.search(r'\[(\d+)\]', link or '')
    return m.group(1) if m else None


def proc_ppid(pid):
    status = read_text('/proc/%d/status' % pid)
    m = re.search(r'^PPid:\s+(\d+)', status or '', re.M)
    return int(m.group(1)) if m else None


def proc_comm(pid):
    comm = read_text('/proc/%d/comm' % pid)
    return comm.strip() if comm is not None else None


def all_pids():
    return [int(d) for d in os.listdir('/proc') if d.isdigit()]


class Driver:
    def __init__(self, command, rows, cols, log_path):
        self.command = command
        self.output = b''          # everything the command wrote
        self.screen = ''           # the same as text: escapes, \r and NUL removed
        self.pending = b''         # an escape sequence cut at the end of a chunk
        self.decoder = codecs.getincrementaldecoder('utf-8')(errors='replace')
        self.cursor = 0            # expects search self.screen from here
        self.raw_cursor = 0        # raw-expects search self.output from here
        self.status = None
        self.start = time.monotonic()
        self.log = open(log_path, 'wb') if log_path else None
        self.container = None

        # Orphans of the command (its guard, a container's PID 1 after the command was
        # killed) become our children and are reaped at once, whatever the host's init does.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
        self.saved_termios = termios.tcgetattr(self.slave)
        self.pty_dev = os.fstat(self.slave).st_dev
        self.pid = os.fork()
        if self.pid == 0:
            try:
                os.setsid()
                fcntl.ioctl(self.slave, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(self.slave, fd)
                os.closerange(3, 65536)
                for sig in (signal.SIGPIPE, signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
                    signal.signal(sig, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, [])
                os.execvp(command[0], command)
            except BaseException as e:  # noqa: any failure before exec must not return
                os.write(2, ('pty-drive: cannot run %s: %s\r\n' % (command[0], e)).encode())
            os._exit(127)
        self.note('started %s (pid %d) on a %dx%d pty' % (shlex.join(command), self.pid, rows, cols))

    # --- output ---------------------------------------------------------------------
    def note(self, text):
        print('[%6.2f] %s' % (time.monotonic() - self.start, text), flush=True)

    def feed(self, data):
        self.output += data
        if self.log:
            self.log.write(data)
            self.log.flush()
        data = self.pending + data
        m = PARTIAL_ANSI_RE.search(data)
        if m and len(data) - m.start() < 256:
            self.pending, data = data[m.start():], data[:m.start()]
        else:
            self.pending = b''
        clean = ANSI_RE.sub(b'', data).replace(b'\r', b'').replace(b'\0', b'')
        self.screen += self.decoder.decode(clean)

    def poll_child(self):
        # Also reaps what the command left behind (we are their subreaper).
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid == self.pid:
                self.status = status
                self.note('the command %s' % status_code(status)[1])
        return self.status is not None

    def pump(self, timeout):
        """Read output for up to timeout seconds (returns early when some arrived)."""
        r, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if r:
            try:
                data = os.read(self.master, 65536)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                data = b''
            if data:
                self.feed(data)
            else:
                time.sleep(min(timeout, 0.05))
        self.poll_child()

    def transcript(self):
        tail = self.output[-TRANSCRIPT_BYTES:]
        return readable(tail)

    # --- steps ----------------------------------------------------------------------
    def step_expect(self, regex, timeout='10'):
        pattern = re.compile(regex, re.M)
        deadline = time.monotonic() + float(timeout)
        ended_at = None
        while True:
            m = pattern.search(self.screen, self.cursor)
            if m:
                self.cursor = m.end()
                return 'matched %r' % m.group(0)[-60:]
            now = time.monotonic()
            if now >= deadline:
                raise StepFailed('no match within %s s' % timeout)
            if self.status is not None:
                # Whoever else holds the pty may still write a little after the end.
                ended_at = ended_at or now
                if now - ended_at > 1.0:
                    raise StepFailed('no match, and the command ended (%s)'
                                     % status_code(self.status)[1])
            self.pump(min(0.1, deadline - now))

    def step_raw_expect(self, regex, timeout='10'):
        pattern = re.compile(regex.encode('latin-1', errors='backslashreplace'), re.S)
        deadline = time.monotonic() + float(timeout)
        ended_at = None
        while True:
            m = pattern.search(self.output, self.raw_cursor)
            if m:
                self.raw_cursor = m.end()
                return 'matched %r' % m.group(0)[-60:]
            now = time.monotonic()
            if now >= deadline:
                raise StepFailed('no match in the raw output within %s s' % timeout)
            if self.status is not None:
                ended_at = ended_at or now
                if now - ended_at > 1.0:
                    raise StepFailed('no match in the raw output, and the command ended (%s)'
                                     % status_code(self.status)[1])
            self.pump(min(0.1, deadline - now))

    def step_absent(self, regex):
        m = re.compile(regex, re.M).search(self.screen, self.cursor)
        if m:
            raise StepFailed('%r was found: %r' % (regex, m.group(0)))
        return 'not found'

    def step_mark(self):
        self.pump(0.05)
        self.cursor = len(self.screen)

    def step_send(self, *texts):
        text = ' '.join(texts)
        data = text.encode('latin-1', errors='backslashreplace').decode('unicode_escape').encode('latin-1')
        self.write(data)

    def step_line(self, *texts):
        self.step_send(*texts)
        self.write(b'\r')

    def write(self, data):
        if self.status is not None:
            raise StepFailed('cannot type: the command ended (%s)' % status_code(self.status)[1])
        while data:
            n = os.write(self.master, data)
            data = data[n:]
        self.pump(0.05)

    def step_resize(self, rows, cols):
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack('HHHH', int(rows), int(cols), 0, 0))
        try:
            os.killpg(self.pid, signal.SIGWINCH)
        except ProcessLookupError:
            pass
        self.pump(0.05)

    def step_signal(self, name):
        if self.status is not None:
            raise StepFailed('cannot signal: the command ended (%s)' % status_code(self.status)[1])
        os.kill(self.pid, signal_number(name))
        self.pump(0.01)

    def step_sleep(self, seconds):
        deadline = time.monotonic() + float(seconds)
        while time.monotonic() < deadline:
            self.pump(deadline - time.monotonic())

    def step_wait_exit(self, timeout='30', expected=None):
        deadline = time.monotonic() + float(timeout)
        while not self.poll_child():
            if time.monotonic() >= deadline:
                raise StepFailed('the command still runs after %s s' % timeout)
            self.pump(min(0.1, deadline - time.monotonic()))
        # What the command (or what it left behind) still wrote.
        for _ in range(5):
            self.pump(0.02)
        code, text = status_code(self.status)
        print('exit-status %d' % code, flush=True)
        if expected is not None and code != int(expected):
            raise StepFailed('exit status %d (%s), expected %s' % (code, text, expected))
        return text

    def termios_report(self):
        try:
            now = termios.tcgetattr(self.slave)
        except termios.error as e:
            return False, 'tcgetattr on the pty slave failed: %s' % e
        names = ['iflag', 'oflag', 'cflag', 'lflag', 'ispeed', 'ospeed']
        diffs = ['%s 0x%x != saved 0x%x' % (n, a, b)
                 for n, a, b in zip(names, now[:6], self.saved_termios[:6]) if a != b]
        # Python gives VMIN/VTIME as ints in non-canonical mode, as bytes otherwise.
        cc = [[c if isinstance(c, int) else ord(c) for c in attrs[6]] for attrs in (now, self.saved_termios)]
        diffs += ['cc[%d] %d != saved %d' % (i, a, b) for i, (a, b) in enumerate(zip(*cc)) if a != b]
        if diffs:
            return False, '; '.join(diffs)
        return True, 'equal to the saved attributes'

    def step_restored(self):
        if self.status is None:
            raise StepFailed('the command still runs (use wait-exit first)')
        ok, text = self.termios_report()
        if not ok:
            raise StepFailed('terminal not restored: ' + text)
        return text

    # --- containers started by rescue-spawn -----------------------------------------
    def find_container(self):
        own_pidns = readlink('/proc/%d/ns/pid' % self.pid)
        own_comm = proc_comm(self.pid)
        init = guard = None
        for pid in all_pids():
            if proc_ppid(pid) != self.pid:
                continue
            comm = proc_comm(pid)
            if comm == 'rescue-spawn-gd':
                guard = pid
            elif readlink('/proc/%d/ns/pid' % pid) not in (None, own_pidns) and comm != own_comm:
                init = pid      # PID 1 of the container, after its exec
        return init, guard

    def pty_devices(self):
        """Device numbers of the devpts instances whose ptys the command holds (not ours)."""
        devs = set()
        try:
            fds = os.listdir('/proc/%d/fd' % self.pid)
        except OSError:
            return devs
        for fd in fds:
            path = '/proc/%d/fd/%s' % (self.pid, fd)
            link = readlink(path) or ''
            if 'ptmx' in link or '/pts/' in link:
                try:
                    dev = os.stat(path).st_dev
                except OSError:
                    continue
                if dev != self.pty_dev:
                    devs.add(dev)
        return devs

    def step_container(self, timeout='10'):
        deadline = time.monotonic() + float(timeout)
        while True:
            devs = self.pty_devices()
            init, guard = self.find_container()
            mountinfo = read_text('/proc/%d/mountinfo' % self.pid) or ''
            runtime = sorted(set(re.findall(r'^\S+ \S+ \S+ \S+ (/(?:run|tmp)/rescue-spawn\.[^/\s]+) ',
                                            mountinfo, re.M)))
            if init and guard and len(runtime) == 1 and devs:
                break
            if self.status is not None:
                raise StepFailed('the command ended before its container was found')
            if time.monotonic() >= deadline:
                raise StepFailed('no container found within %s s (init %s, guard %s, runtime dir %s, ptys %s)'
                                 % (timeout, init, guard, runtime, sorted(devs)))
            self.pump(0.05)
        c = {'init': init, 'guard': guard, 'runtime': runtime[0], 'init_start': self.start_time(init),
             'pins': []}
        # Namespace inode numbers and devpts device numbers are reused as soon as they are
        # free, maybe by a container someone else starts meanwhile. Holding the PID and user
        # namespaces and the devpts instance keeps them ours (it keeps no process and no
        # pty alive); the mount namespaces are not held (that would keep their mounts).
        for kind in ('pid', 'user'):
            c['pins'].append(os.open('/proc/%d/ns/%s' % (init, kind), os.O_RDONLY | os.O_CLOEXEC))
            c[kind + 'ns'] = ns_inode(readlink('/proc/%d/ns/%s' % (init, kind)))
        if c['userns'] == ns_inode(readlink('/proc/self/ns/user')):
            c['userns'] = None      # not in a user namespace of its own
        c['mntns'] = ns_inode(readlink('/proc/%d/ns/mnt' % init))
        c['helper_mntns'] = ns_inode(readlink('/proc/%d/ns/mnt' % self.pid))
        # The container's ptys: the devpts instance below the runtime directory, as the
        # helper sees it; after the end, its directory must list no pty (only ptmx).
        c['pts'] = os.open('/proc/%d/root%s/root/dev/pts' % (self.pid, c['runtime']),
                           os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        c['pins'].append(c['pts'])
        pts_dev = os.fstat(c['pts']).st_dev
        if pts_dev not in devs:
            raise StepFailed('the helper holds no pty of %s/root/dev/pts' % c['runtime'])
        name = 'rescue-spawn-%d' % self.pid
        c['cgroups'] = []
        for top, dirs, _ in os.walk('/sys/fs/cgroup'):
            if top.count('/') >= 8:
                dirs[:] = []
            if name in dirs:
                c['cgroups'].append(os.path.join(top, name))
                dirs.remove(name)
        self.container = c
        return ('init %d (pidns %s, mntns %s, userns %s), guard %d, helper mntns %s, cgroup %s, '
                'runtime dir %s, ptys %s on devpts %d:%d'
                % (init, c['pidns'], c['mntns'], c['userns'], guard, c['helper_mntns'],
                   ' '.join(c['cgroups']) or '(none)', c['runtime'],
                   ' '.join(self.ptys_left()), os.major(pts_dev), os.minor(pts_dev)))

    def ptys_left(self):
        return sorted(n for n in os.listdir(self.container['pts']) if n != 'ptmx')

    @staticmethod
    def start_time(pid):
        """Start of a process in clock ticks after boot (None: no such process)."""
        stat = read_text('/proc/%s/stat' % pid)
        return int(stat.rsplit(')', 1)[1].split()[19]) if stat else None

    def leftovers(self):
        c = self.container
        left = []
        if self.status is None:
            left.append('the helper (pid %d) still runs' % self.pid)
        if self.start_time(c['init']) == c['init_start']:
            left.append("the container's PID 1 (pid %d) still exists" % c['init'])
        ps = subprocess.run(['ps', '-e', '-o', 'pid=,pidns=,mntns=,userns=,args='],
                            stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
        for row in ps.splitlines():
            fields = row.split(None, 4)
            if len(fields) < 4 or int(fields[0]) == os.getpid():
                continue
            pid, pidns, mntns, userns = fields[:4]
            args = fields[4] if len(fields) > 4 else ''
            why = []
            if pidns == c['pidns']:
                why.append("in the container's PID namespace")
            if c['userns'] and userns == c['userns']:
                why.append("in the container's user namespace")
            # An inode number of a mount namespace may be someone else's by now: ours
            # are the ones that still mount our runtime directory.
            if mntns in (c['mntns'], c['helper_mntns']) and \
                    c['runtime'] + '/' in (read_text('/proc/%s/mountinfo' % pid) or ''):
                why.append("in a mount namespace with the container's mounts")
            if why:
                left.append('process %s (%s) %s' % (pid, args, ', '.join(why)))
        if proc_comm(c['guard']) == 'rescue-spawn-gd':
            left.append('the guard (pid %d) still runs' % c['guard'])
        for cg in c['cgroups']:
            if os.path.exists(cg):
                left.append('cgroup %s' % cg)
        if os.path.exists(c['runtime']):
            left.append('runtime directory %s' % c['runtime'])
        if c['runtime'] in (read_text('/proc/self/mountinfo') or ''):
            left.append('a mount of %s on the host' % c['runtime'])
        ptys = self.ptys_left()
        if ptys:
            left.append('ptys of the container still open: /dev/pts/%s' % ' /dev/pts/'.join(ptys))
        return left

    def step_gone(self, timeout='5'):
        if not self.container:
            raise StepFailed('no container recorded (use the step "container" while it runs)')
        deadline = time.monotonic() + float(timeout)
        while True:
            left = self.leftovers()
            if not left:
                return 'nothing of the container remains'
            if time.monotonic() >= deadline:
                raise StepFailed('after %s s these remain:\n  ' % timeout + '\n  '.join(left))
            self.pump(0.1)

    def step_host(self, *words):
        env = dict(os.environ, PTY_DRIVE_CHILD=str(self.pid))
        if self.container:
            env['PTY_DRIVE_INIT'] = str(self.container['init'])
        r = subprocess.run(['sh', '-c', ' '.join(words)], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
        for row in r.stdout.splitlines():
            print('  | ' + row, flush=True)
        if r.returncode != 0:
            raise StepFailed('host command exited with status %d' % r.returncode)
        self.pump(0.01)

    STEPS = {
        'expect': step_expect, 'raw-expect': step_raw_expect, 'absent': step_absent, 'mark': step_mark, 'send': step_send,
        'line': step_line, 'resize': step_resize, 'signal': step_signal, 'sleep': step_sleep,
        'wait-exit': step_wait_exit, 'restored': step_restored, 'container': step_container,
        'gone': step_gone, 'host': step_host,
    }

    def run(self, steps):
        for number, step in enumerate(steps, 1):
            words = shlex.split(step, posix=True)
            func = self.STEPS[words[0]]
            try:
                result = func(self, *words[1:])
            except TypeError as e:
                raise StepFailed('bad arguments for step %d %r: %s' % (number, step, e))
            except StepFailed as e:
                raise StepFailed('step %d `%s`: %s' % (number, step, e))
            self.note('%s%s' % (step, ' -> ' + result if result else ''))

    def finish(self):
        if not self.poll_child():
            self.note('the command still runs: killing it (pid %d)' % self.pid)
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, self.status = os.waitpid(self.pid, 0)
            self.poll_child()
        else:
            ok, text = self.termios_report()
            print('pty-drive: terminal %s' % ('restored' if ok else 'NOT restored: ' + text), flush=True)
        os.close(self.master)
        os.close(self.slave)
        for fd in (self.container or {}).get('pins', []):
            os.close(fd)
        if self.log:
            self.log.close()


def parse_args(argv):
    rows, cols, log_path, steps, scripts = 24, 80, None, [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == '--':
            i += 1
            break
        if a in ('--rows', '--cols', '--log', '-f', '-e') and i + 1 < len(argv):
            v = argv[i + 1]
            i += 2
            if a == '--rows':
                rows = int(v)
            elif a == '--cols':
                cols = int(v)
            elif a == '--log':
                log_path = v
            elif a == '-f':
                scripts.append(v)
            else:
                steps.append(v)
            continue
        raise SystemExit('pty-drive: unknown argument %r (see the top of %s)' % (a, argv[0] if argv else 'pty-drive.py'))
    command = argv[i:]
    if not command:
        raise SystemExit('pty-drive: no COMMAND after --')
    for path in scripts:
        text = sys.stdin.read() if path == '-' else open(path).read()
        steps.extend(row.strip() for row in text.splitlines())
    steps = [s for s in steps if s and not s.startswith('#')]
    for s in steps:
        words = shlex.split(s)
        if words[0] not in Driver.STEPS:
            raise SystemExit('pty-drive: unknown step %r' % s)
    return rows, cols, log_path, steps, command


def main():
    try:
        rows, cols, log_path, steps, command = parse_args(sys.argv[1:])
    except (SystemExit, ValueError) as e:
        print(e, file=sys.stderr)
        return 2
    driver = Driver(command, rows, cols, log_path)
    failed = None
    try:
        driver.run(steps)
    except StepFailed as e:
        failed = str(e)
    finally:
        driver.finish()
    if failed:
        print('pty-drive: FAILED: %s' % failed, flush=True)
        print('pty-drive: --- the last %d bytes of output ---' % TRANSCRIPT_BYTES)
        print(driver.transcript())
        print('pty-drive: --- end of output ---', flush=True)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
