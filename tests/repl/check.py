#!/usr/bin/env python3
"""softpatch-repl in a pseudo-terminal (line editing on), as a person uses it:
the README's session, state kept across a redefinition, a compile error then
a correct definition, a wrong argument type, undo past the first patch,
versions after a reload, crashes in a call (the crashing definition undone),
Ctrl-C in a call, in an unfinished def and at an empty prompt, the terminal
left sane. Then the same program as a pipe: its exit status, Ctrl-C there.
    check.py <softpatch-repl>"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

PROMPT = b"softpatch> "
MORE = b"....... "  # the prompt inside an unfinished def
# How long one command may take: a definition builds a patch, which a busy
# machine can make slow; only a hang takes this long.
PATIENCE = 300

terminal = None  # the session in the pseudo-terminal, killed on a failure
piped = []  # piped sessions running, killed on a failure


def fail(message, transcript):
    sys.stderr.write("repl: %s\n--- transcript:\n%s\n" % (message, transcript.decode(errors="replace")))
    kill_all()
    sys.exit(1)


def kill_all():
    if terminal:
        terminal.kill()
    for process in piped:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    del piped[:]


class Terminal:
    def __init__(self, program):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            # Wide enough that libedit never wraps a typed definition.
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 400, 0, 0))
            os.execv(program, [program])
        global terminal
        terminal = self
        self.transcript = b""
        self.read_until_prompt()

    def kill(self):
        """The repl and what it started (its session, led by it): gone, reaped."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass

    def read_until_prompt(self, timeout=PATIENCE, prompt=PROMPT):
        out = b""
        deadline = time.monotonic() + timeout
        while not out.endswith(prompt):
            if time.monotonic() > deadline:
                fail("no prompt", self.transcript + out)
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
        self.transcript += out
        return out

    def run(self, line, prompt=PROMPT):
        os.write(self.fd, line.encode() + b"\r")
        return printed(self.read_until_prompt(prompt=prompt), [line])

    def interrupt(self, started=None):
        """Ctrl-C, as typed at the prompt, or in the command `started`: what
        it printed before the next prompt."""
        if started is None:
            self.wait_for_editing(True)
        os.write(self.fd, b"\x03")
        return printed(self.read_until_prompt(), [started or "", "^C"])

    def start(self, line):
        """Types `line` and returns once the repl has read it: a command is
        running."""
        self.wait_for_editing(True)  # a Ctrl-C now would drop what is typed
        os.write(self.fd, line.encode() + b"\r")
        self.wait_for_editing(False)

    def wait_for_editing(self, editing):
        """Until libedit has the terminal (it reads keys one by one, the line
        discipline's line editing off), or has given it back."""
        deadline = time.monotonic() + PATIENCE
        while bool(self.lflag() & termios.ICANON) == editing:
            if time.monotonic() > deadline:
                fail("libedit %s the terminal" % ("never took" if editing else "kept"),
                     self.transcript)
            time.sleep(0.01)

    def lflag(self):
        """The terminal's local modes (the master reads the pair's settings)."""
        return termios.tcgetattr(self.fd)[3]

    def close(self):
        global terminal
        os.write(self.fd, b"quit\r")
        deadline = time.monotonic() + PATIENCE
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                terminal = None
                return status
            if time.monotonic() > deadline:
                fail("quit did not end it", self.transcript)
            time.sleep(0.05)


def printed(out, typed):
    """What a command printed: after the echoed lines `typed`, before the prompt."""
    text = out.decode(errors="replace").replace("\r", "")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)  # terminal control sequences
    # The terminal echoes the line (libedit may too, without a known TERM).
    typed = [line.strip() for line in typed if line]
    lines = [l for l in text.split("\n") if l.strip() not in typed]
    return "\n".join(l for l in lines
                     if not l.endswith(PROMPT.decode().strip()) and not l.endswith(PROMPT.decode())
                     and not l.endswith(MORE.decode().strip()) and not l.endswith(MORE.decode())).strip()


def expect(got, pattern, transcript):
    if not re.fullmatch(pattern, got, re.S):
        fail("expected %r, got %r" % (pattern, got), transcript)
    return re.fullmatch(pattern, got, re.S)


def patched(got, transcript, what=r"add2\(int\)"):
    """The number of the patch a definition made."""
    return expect(got, r"patched %s \(patch (\d+), [0-9.]+ s\)" % what, transcript).group(1)


def versions(listed):
    """`list`'s lines as {function: "original" or "version N"}."""
    return dict(line.rsplit("\t", 1) for line in listed.split("\n") if "\t" in line)


def expect_versions(listed, changed, transcript):
    """Every function original except those in `changed` ({name: N})."""
    got = versions(listed)
    want = {name: ("version %d" % changed[name] if name in changed else "original") for name in got}
    if len(got) != 7 or got != want:
        fail("list: expected %r, got %r" % (want, got), transcript)


def main():
    program = sys.argv[1]
    os.environ["EDITOR"] = "sed -i 's/a + 2/a + 7/'"
    t = Terminal(program)
    expect(t.run("call add2 2"), r"4", t.transcript)
    expect(t.run("def int add2(int a) { return a + 3; }"), r"patched add2\(int\) \(patch 1, [0-9.]+ s\)", t.transcript)
    expect(t.run("call add2 2"), r"5", t.transcript)
    expect(t.run("undo"), r"undid patch 1", t.transcript)
    expect(t.run("call add2 2"), r"4", t.transcript)

    # State kept across a redefinition: the counter keeps counting.
    expect(t.run("call counter"), r"1", t.transcript)
    expect(t.run("call counter"), r"2", t.transcript)
    expect(t.run("def int counter() { return 100 * ++calls; }"), r"patched counter\(\) \(patch 2, .*", t.transcript)
    expect(t.run("call counter"), r"300", t.transcript)

    # A compile error, with its position in what was typed, then a correct definition.
    error = t.run("def double scale(double x, double by) { return x * ; }")
    expect(error, r".*typed:1:\d+: error: .*", t.transcript)
    expect(t.run("call scale 2 3"), r"6", t.transcript)
    expect(t.run("def double scale(double x, double by) { return x * by + 0.5; }"), r"patched scale.*", t.transcript)
    expect(t.run("call scale 2 3"), r"6.5", t.transcript)

    # Wrong argument type and count.
    expect(t.run("call add2 two"), r".*'two' is not a valid argument of type signed integer.*", t.transcript)
    expect(t.run("call greet"), r".*takes 1 argument, not 0.*", t.transcript)
    expect(t.run("call add2 99999999999"), r".*out of range for its 32-bit parameter.*", t.transcript)
    expect(t.run('call greet "big world"'), r"hello big world", t.transcript)

    # Undo past the first patch.
    expect(t.run("undo"), r"undid patch 3", t.transcript)
    expect(t.run("call scale 2 3"), r"6", t.transcript)
    expect(t.run("undo"), r"undid patch 2", t.transcript)
    expect(t.run("call counter"), r"4", t.transcript)  # the original code, the state kept
    expect(t.run("undo"), r"undo: nothing to undo", t.transcript)

    # edit: $EDITOR on the function's definition (here a sed that changes it).
    expect(t.run("edit add2"), r"patched add2\(int\) \(patch 4, .*", t.transcript)
    expect(t.run("call add2 2"), r"9", t.transcript)
    expect(t.run("list"), r".*add2\(int\)\s+version 2.*scale\(double, double\)\s+original.*", t.transcript)
    expect_versions(t.run("list"), {"add2(int)": 2}, t.transcript)

    reload_versions(t)
    crashes(t)
    interrupts(t)

    status = t.close()
    if status != 0:
        fail("exit status %d" % status, t.transcript)
    sane = termios.ICANON | termios.ECHO | termios.ISIG
    if t.lflag() & sane != sane:
        fail("the terminal was left without line editing, echo or signals", t.transcript)

    pipe(program)
    print("repl: session, state, compile error, argument errors, undo, versions after reload, "
          "crashes and Ctrl-C in calls, Ctrl-C in a def and at the prompt, and pipe mode "
          "(its exit status, Ctrl-C there) all as expected")


def reload_versions(t):
    """A reload counts the functions it changed, not its file; undo uncounts them."""
    # add2 runs `a + 7` (edit); the file on disk says `a + 2`: its third version.
    reloaded = t.run("reload")
    expect(t.run("call add2 2"), r"4", t.transcript)
    expect_versions(t.run("list"), {"add2(int)": 3}, t.transcript)
    expect(reloaded, r"patched math\.cpp: add2\(int\) changed \(patch \d+, [0-9.]+ s\)", t.transcript)
    expect(t.run("undo"), r"undid patch \d+", t.transcript)
    expect_versions(t.run("list"), {"add2(int)": 2}, t.transcript)
    expect(t.run("undo"), r"undid patch \d+", t.transcript)
    expect_versions(t.run("list"), {}, t.transcript)


def crashes(t):
    """A crash ends the call, not the session; one in the code of the latest
    definition undoes it."""
    cases = [
        ("SIGSEGV", "def int add2(int a) { return *(volatile int*)nullptr + a; }"),
        # Infinite recursion, caught on the alternate signal stack. A lambda
        # keeps all of it in the definition's code (add2 calling itself would
        # go through the program's add2 each time, whose frames may be the
        # ones that overflow).
        ("SIGSEGV", "def int add2(int a) { auto deeper = [](auto& self, int n) -> int {"
                    " volatile char pad[4096]; pad[0] = 1; return self(self, n + pad[0]) + pad[0];"
                    " }; return deeper(deeper, a); }"),
        ("SIGFPE", "def int add2(int a) { volatile int zero = 0; return a / zero; }"),
    ]
    counted = int(expect(t.run("call counter"), r"\d+", t.transcript).group(0))
    for name, definition in cases:
        number = patched(t.run(definition), t.transcript)
        expect(t.run("call add2 2"),
               r"call add2: crashed \(%s\) in the code of patch %s\nundid patch %s" % (name, number, number),
               t.transcript)
        expect(t.run("call add2 2"), r"4", t.transcript)  # what ran before it
        expect_versions(t.run("list"), {}, t.transcript)
    # A crash elsewhere (abort() raises SIGABRT in the C library) that the
    # latest definition called is its fault too: undone.
    number = patched(t.run("def int add2(int a) { __builtin_abort(); }"), t.transcript)
    expect(t.run("call add2 2"),
           r"call add2: crashed \(SIGABRT\) in (?!the code of patch)\S+, called from the code of "
           r"patch %s\nundid patch %s" % (number, number), t.transcript)
    expect(t.run("call counter"), str(counted + 1), t.transcript)  # the state went on
    expect(t.run("call add2 2"), r"4", t.transcript)


def interrupts(t):
    """Ctrl-C ends a call, drops an unfinished def, and at an empty prompt
    gives a fresh one; none of them ends the session."""
    number = patched(t.run("def int add2(int a) { volatile int spin = 1; while (spin) {} return a; }"),
                     t.transcript)
    t.start("call add2 2")
    expect(t.interrupt("call add2 2"), r"call add2: interrupted( in the code of patch %s)?" % number, t.transcript)
    expect(t.run("undo"), r"undid patch %s" % number, t.transcript)  # a Ctrl-C undoes nothing itself

    expect(t.run("def int add2(int a) {", prompt=MORE), r"", t.transcript)
    expect(t.run("  return a + 40;", prompt=MORE), r"", t.transcript)
    expect(t.interrupt(), r"dropped the unfinished def", t.transcript)
    expect(t.run("call add2 2"), r"4", t.transcript)  # the def is gone, the prompt takes commands

    expect(t.interrupt(), r"", t.transcript)
    expect(t.run("call add2 2"), r"4", t.transcript)


def fionread(fd):
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


class Piped:
    """The repl reading a pipe we write, a line at a time; we keep a copy of
    the pipe's reading end to see when the repl has read what we wrote."""

    def __init__(self, program):
        self.read_end, self.write_end = os.pipe()
        self.process = subprocess.Popen([program], stdin=self.read_end, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, start_new_session=True)
        piped.append(self.process)
        self.out = b""

    def read_line(self):
        """The next line of its output (a result)."""
        deadline = time.monotonic() + PATIENCE
        while b"\n" not in self.out:
            if time.monotonic() > deadline:
                fail("the piped repl printed no line (so far %r)" % self.out, b"")
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    fail("the piped repl ended (so far %r)" % self.out, b"")
                self.out += chunk
        line, self.out = self.out.split(b"\n", 1)
        return line.decode()

    def write(self, text):
        """Writes `text` and returns once the repl has read all of it."""
        os.write(self.write_end, text.encode())
        deadline = time.monotonic() + PATIENCE
        while fionread(self.read_end):
            if time.monotonic() > deadline:
                fail("the piped repl did not read %r" % text, b"")
            time.sleep(0.01)

    def finish(self, text):
        """Writes the rest of the input and ends it: (status, stdout, stderr)."""
        os.write(self.write_end, text.encode())
        os.close(self.write_end)
        os.close(self.read_end)
        try:
            out, err = self.process.communicate(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            fail("the piped repl did not finish", b"")
        piped.remove(self.process)
        return self.process.returncode, (self.out + out).decode(), err.decode()


def run_piped(program, text):
    process = subprocess.Popen([program], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    piped.append(process)
    try:
        out, err = process.communicate(text, timeout=PATIENCE)
    except subprocess.TimeoutExpired:
        fail("the piped repl did not finish %r" % text, b"")
    piped.remove(process)
    return process.returncode, out, err


def pipe(program):
    # Each result alone on its line; every command worked: exit status 0.
    status, out, err = run_piped(program, "call add2 2\ncall next_letter a\ncall is_even 3\n")
    if out != "4\nb\nfalse\n" or status != 0:
        fail("pipe: status %d, output %r, errors %r" % (status, out, err), b"")

    # A command that fails makes the exit status 1; the commands after it still run.
    failing = [
        ("bogus", r"unknown command 'bogus'.*"),
        ("call add2 two", r".*'two' is not a valid argument.*"),
        ("call nothing_like_it", r".*nothing_like_it.*"),
        ("undo", r"undo: nothing to undo"),
        ("def double scale(double x, double by) { return x * ; }", r".*typed:1:\d+: error: .*"),
        ("def int add2(int a) { return *(volatile int*)nullptr + a; }\ncall add2 2",
         r"patched add2.*\ncall add2: crashed \(SIGSEGV\) in the code of patch 1\nundid patch 1"),
    ]
    for command, errors in failing:
        status, out, err = run_piped(program, "call add2 2\n%s\ncall add2 2\n" % command)
        if status != 1 or out != "4\n4\n" or not re.fullmatch(errors, err.strip(), re.S):
            fail("pipe with %r: status %d, output %r, errors %r" % (command, status, out, err), b"")
    # The input ends inside a def.
    status, out, err = run_piped(program, "call add2 2\ndef int add2(int a) {\n  return a;\n")
    if status != 1 or out != "4\n" or "def: the input ended" not in err:
        fail("pipe ending in a def: status %d, output %r, errors %r" % (status, out, err), b"")

    # Ctrl-C (SIGINT) while the pipe is read: the session goes on...
    session = Piped(program)
    session.write("call add2 2\n")
    if session.read_line() != "4":  # done: the repl waits for input
        fail("pipe: call add2 2 did not print 4", b"")
    session.process.send_signal(signal.SIGINT)
    status, out, err = session.finish("call add2 2\n")
    if status != 0 or out != "4\n" or err:
        fail("pipe after SIGINT: status %d, output %r, errors %r" % (status, out, err), b"")
    # ...and an unfinished def is dropped (a command not run: status 1).
    session = Piped(program)
    session.write("def int add2(int a) {\n  return a + 40;\n")
    session.process.send_signal(signal.SIGINT)
    status, out, err = session.finish("call add2 2\n")
    if status != 1 or out != "4\n" or err.strip() != "dropped the unfinished def":
        fail("pipe with a def and SIGINT: status %d, output %r, errors %r" % (status, out, err), b"")


try:
    main()
finally:
    kill_all()
