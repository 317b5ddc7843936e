#!/usr/bin/env python3
"""softpatch-repl in a pseudo-terminal (line editing on), as a person uses it:
the README's session, state kept across a redefinition, a compile error then
a correct definition, a wrong argument type, undo past the first patch.
Then the same program as a pipe.
    check.py <softpatch-repl>"""
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

PROMPT = b"softpatch> "
# How long one command may take: a definition builds a patch, which a busy
# machine can make slow; only a hang takes this long.
PATIENCE = 300

terminal = None  # the session in the pseudo-terminal, killed on a failure


def fail(message, transcript):
    sys.stderr.write("repl: %s\n--- transcript:\n%s\n" % (message, transcript.decode(errors="replace")))
    if terminal:
        terminal.kill()
    sys.exit(1)


class Terminal:
    def __init__(self, program):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
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

    def read_until_prompt(self, timeout=PATIENCE):
        out = b""
        deadline = time.monotonic() + timeout
        while not out.endswith(PROMPT):
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

    def run(self, line):
        os.write(self.fd, line.encode() + b"\r")
        out = self.read_until_prompt()
        # What the command printed: after the echoed line, before the prompt.
        text = out.decode(errors="replace").replace("\r", "")
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)  # terminal control sequences
        # The terminal echoes the line (libedit may too, without a known TERM).
        lines = [l for l in text.split("\n") if l.strip() != line.strip()]
        return "\n".join(l for l in lines if not l.endswith(PROMPT.decode().strip())
                         and not l.endswith(PROMPT.decode())).strip()

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


def expect(got, pattern, transcript):
    if not re.fullmatch(pattern, got, re.S):
        fail("expected %r, got %r" % (pattern, got), transcript)


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
    status = t.close()
    if status != 0:
        fail("exit status %d" % status, t.transcript)

    # As a pipe: each result alone on its line.
    piped = subprocess.run([program], input="call add2 2\ncall next_letter a\ncall is_even 3\n",
                           capture_output=True, text=True, timeout=PATIENCE)
    if piped.stdout != "4\nb\nfalse\n":
        fail("pipe output %r" % piped.stdout, b"")
    print("repl: session, state, compile error, argument errors, undo and pipe mode all as expected")


main()
